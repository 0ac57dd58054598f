import { Suspense, useEffect } from "react";

import { ChartSkeleton, Panel, type PanelProps } from "../../../components/layout/Panel";
import { preloadCharts } from "./charts/lazy";

const EMPTY_HINT = "No events match these filters. Widen the date range or reset the filters.";

/** A panel around a lazily loaded chart: a chart-sized skeleton until both data and chart code arrive. */
export function ChartPanel({ children, ...panel }: Omit<PanelProps, "emptyMessage" | "skeleton">) {
  // The chart code loads while the data does (a dashboard opened without the login page).
  useEffect(preloadCharts, []);
  return (
    <Panel {...panel} emptyMessage={EMPTY_HINT} skeleton={<ChartSkeleton />}>
      <Suspense fallback={<ChartSkeleton />}>{children}</Suspense>
    </Panel>
  );
}
