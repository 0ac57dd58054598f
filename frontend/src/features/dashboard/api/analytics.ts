// The analytics resource: typed fetchers for every /analytics endpoint.
import { API_BASE, apiRequest, queryString, type QueryParams, type Schema } from "../../../lib/api-client";

type SummaryQuery = QueryParams<"/api/v1/analytics/summary">;
export type AgeGroup = NonNullable<SummaryQuery["ageGroup"]>;
export type GenderFilter = NonNullable<SummaryQuery["gender"]>;
export type Granularity = NonNullable<QueryParams<"/api/v1/analytics/timeseries">["granularity"]>;

/** Query parameters every analytics endpoint accepts. */
export interface AnalyticsParams {
  startDate?: string;
  endDate?: string;
  ageGroup: AgeGroup;
  gender: GenderFilter;
  feature?: string;
  tz: string;
}

export type FeatureCount = Schema<"FeatureCount">;
export type FeatureUsage = Schema<"FeatureUsage">;
export type Summary = Schema<"Summary">;
export type Point = Schema<"Point">;
export type Timeseries = Schema<"Timeseries">;
export type BreakdownItem = Schema<"BreakdownItem">;
export type Breakdown = Schema<"Breakdown">;
export type TopPage = Schema<"Page">;
export type TopPages = Schema<"TopPages">;
export type RecentEvent = Schema<"RecentEvent">;
export type RecentEvents = Schema<"RecentEvents">;

const get = <T>(path: string, params: object, signal?: AbortSignal) =>
  apiRequest<T>(`${path}${queryString(params)}`, { signal });

export const analyticsKeys = {
  all: ["analytics"] as const,
  bars: (params: AnalyticsParams) => ["analytics", "bars", params] as const,
  summary: (params: AnalyticsParams) => ["analytics", "summary", params] as const,
  timeseries: (params: AnalyticsParams, granularity: Granularity, compare: boolean) =>
    ["analytics", "timeseries", params, granularity, compare] as const,
  breakdown: (params: AnalyticsParams, by: string) => ["analytics", "breakdown", params, by] as const,
  topPages: (params: AnalyticsParams) => ["analytics", "top-pages", params] as const,
  recent: (params: AnalyticsParams) => ["analytics", "recent", params] as const,
};

export const fetchFeatureUsage = (params: AnalyticsParams, signal?: AbortSignal) =>
  get<FeatureUsage>("/analytics", { ...params, feature: undefined }, signal);

export const fetchSummary = (params: AnalyticsParams, signal?: AbortSignal) =>
  get<Summary>("/analytics/summary", { ...params, feature: undefined }, signal);

export const fetchTimeseries = (
  params: AnalyticsParams,
  granularity: Granularity,
  compare: boolean,
  signal?: AbortSignal,
) => get<Timeseries>("/analytics/timeseries", { ...params, granularity, compare: compare ? "previous" : undefined }, signal);

export const fetchBreakdown = (params: AnalyticsParams, by: string, signal?: AbortSignal) =>
  get<Breakdown>("/analytics/breakdown", { ...params, feature: undefined, by, limit: 10 }, signal);

export const fetchTopPages = (params: AnalyticsParams, signal?: AbortSignal) =>
  get<TopPages>("/analytics/top-pages", { ...params, feature: undefined, limit: 8 }, signal);

export const fetchRecent = (params: AnalyticsParams, signal?: AbortSignal) =>
  get<RecentEvents>("/analytics/recent", { ...params, feature: undefined, limit: 12 }, signal);

/** Where the browser downloads a CSV of the current filters (the session cookie authorises it). */
export function exportUrl(params: AnalyticsParams, kind: "events" | "daily" = "events"): string {
  return `${API_BASE}/analytics/export.csv${queryString({ ...params, feature: undefined, kind })}`;
}

export function streamUrl(params: AnalyticsParams): string {
  return `${API_BASE}/analytics/stream${queryString({ ...params, feature: undefined })}`;
}
