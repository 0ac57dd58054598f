// Lazy entry points: Recharts arrives in its own chunk after the first paint.
import { lazy } from "react";

export const FeatureBarChart = lazy(() => import("./Charts").then((module) => ({ default: module.FeatureBarChart })));
export const TrendChart = lazy(() => import("./Charts").then((module) => ({ default: module.TrendChart })));
export const BreakdownChart = lazy(() => import("./Charts").then((module) => ({ default: module.BreakdownChart })));

/** Fetch the chart code ahead of time (the login page does, so the dashboard draws sooner). */
export function preloadCharts(): void {
  void import("./Charts");
}
