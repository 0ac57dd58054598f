// The website analytics resource (/analytics/web/...): visitors, visits and their breakdowns.
import type { QueryParams, Schema } from "../../../lib/api-client";
import { getAnalytics, type AnalyticsParams } from "./analytics";

export type WebTotals = Schema<"WebFigures">;
export type WebMeasure = keyof WebTotals;
export type WebSummary = Schema<"WebSummary">;
/** What a web breakdown groups by; every web filter is one, and the reverse (see the test). */
export type WebDimension = QueryParams<"/api/v1/analytics/web/breakdown">["by"];
export type WebBreakdownRow = Schema<"WebBreakdownRow">;
export type WebBreakdown = Schema<"WebBreakdown">;

/** Rows per breakdown panel. */
export const WEB_BREAKDOWN_LIMIT = 10;

export const fetchWebSummary = (params: AnalyticsParams, signal?: AbortSignal) =>
  getAnalytics<WebSummary>("/analytics/web/summary", { ...params, feature: undefined }, signal);

export const fetchWebBreakdown = (params: AnalyticsParams, by: WebDimension, signal?: AbortSignal) =>
  getAnalytics<WebBreakdown>(
    "/analytics/web/breakdown",
    { ...params, feature: undefined, by, limit: WEB_BREAKDOWN_LIMIT },
    signal,
  );
