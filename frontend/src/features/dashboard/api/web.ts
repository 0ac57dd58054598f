// The website analytics resource (/analytics/web/...): visitors, visits and their breakdowns.
import type { WebFilterKey } from "../utils/webFilters";
import { getAnalytics, type AnalyticsParams } from "./analytics";

/** One period's headline figures. */
export interface WebTotals {
  visitors: number;
  visits: number;
  pageviews: number;
  /** Pageviews per visit, two decimals. */
  viewsPerVisit: number;
  /** Percent of visits with one pageview and nothing else (0-100, one decimal). */
  bounceRate: number;
  /** Mean visit length in seconds. */
  visitDuration: number;
}

export type WebMeasure = keyof WebTotals;

export interface WebSummary {
  current: WebTotals;
  previous: WebTotals;
  /** Percent change on the previous period, null when it had nothing to compare with. */
  change: Record<WebMeasure, number | null>;
  /** Bot events in the range, left out of every figure. */
  botEvents: number;
  /** Whether the project has page views at all (events from the website tracker). */
  webTraffic: boolean;
}

/** What a web breakdown groups by: every web filter is also a breakdown. */
export type WebDimension = WebFilterKey;

export interface WebBreakdownRow {
  /** null for visits without one: shown as "(none)" or "unknown", filtered as "(none)". */
  value: string | null;
  count: number;
  /** Share of `total`, in percent. */
  percentage: number;
  visitors: number | null;
}

export interface WebBreakdown {
  by: WebDimension;
  /** What `count` counts: visits, or pageviews for pages. */
  metric: "visits" | "pageviews";
  rows: WebBreakdownRow[];
  total: number;
}

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
