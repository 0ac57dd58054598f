// The analytics resource: typed fetchers for every /analytics endpoint.
import { API_BASE, apiRequest, queryString, type QueryParams, type Schema } from "../../../lib/api-client";
import type { WebFilters } from "../utils/webFilters";

type SummaryQuery = QueryParams<"/api/v1/analytics/summary">;
export type AgeGroup = NonNullable<SummaryQuery["ageGroup"]>;
export type GenderFilter = NonNullable<SummaryQuery["gender"]>;
export type Granularity = NonNullable<QueryParams<"/api/v1/analytics/timeseries">["granularity"]>;

/** Query parameters every analytics endpoint accepts, and how the reader gets in; the web
 * filters (country, page, channel…) go to every endpoint too. */
export interface AnalyticsParams extends WebFilters {
  /** The project's slug: every request names it, so no answer is another project's. */
  project: string;
  /** A share link's token: sent as the X-Ouroboard-Share header, never in the URL. */
  shareToken?: string;
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

export const SHARE_HEADER = "X-Ouroboard-Share";

/** GET an analytics path: the share token (if any) as a header, the rest as the query. A share
 * link's 401 means the link was revoked, which the share page shows: no redirect to sign-in. */
export function getAnalytics<T>(path: string, { shareToken, ...params }: AnalyticsParams & Record<string, unknown>, signal?: AbortSignal) {
  const access = shareToken ? { headers: { [SHARE_HEADER]: shareToken }, skipAuthRedirect: true } : {};
  return apiRequest<T>(`${path}${queryString(params)}`, { signal, ...access });
}

/** Query keys: the project comes second, so one project's answers are never another's
 * (placeholders check it too: see queries.ts). */
export const analyticsKeys = {
  all: ["analytics"] as const,
  project: (project: string) => ["analytics", project] as const,
  bars: (params: AnalyticsParams) => ["analytics", params.project, "bars", params] as const,
  summary: (params: AnalyticsParams) => ["analytics", params.project, "summary", params] as const,
  timeseries: (params: AnalyticsParams, granularity: Granularity, compare: boolean) =>
    ["analytics", params.project, "timeseries", params, granularity, compare] as const,
  breakdown: (params: AnalyticsParams, by: string) => ["analytics", params.project, "breakdown", params, by] as const,
  topPages: (params: AnalyticsParams) => ["analytics", params.project, "top-pages", params] as const,
  recent: (params: AnalyticsParams) => ["analytics", params.project, "recent", params] as const,
  webSummary: (params: AnalyticsParams) => ["analytics", params.project, "web-summary", params] as const,
  webBreakdown: (params: AnalyticsParams, by: string) => ["analytics", params.project, "web-breakdown", params, by] as const,
};

/** The project a query key belongs to (its second element). */
export const projectOfKey = (queryKey: readonly unknown[]): unknown => queryKey[1];

export const fetchFeatureUsage = (params: AnalyticsParams, signal?: AbortSignal) =>
  getAnalytics<FeatureUsage>("/analytics", { ...params, feature: undefined }, signal);

export const fetchSummary = (params: AnalyticsParams, signal?: AbortSignal) =>
  getAnalytics<Summary>("/analytics/summary", { ...params, feature: undefined }, signal);

export const fetchTimeseries = (
  params: AnalyticsParams,
  granularity: Granularity,
  compare: boolean,
  signal?: AbortSignal,
) => getAnalytics<Timeseries>("/analytics/timeseries", { ...params, granularity, compare: compare ? "previous" : undefined }, signal);

export const fetchBreakdown = (params: AnalyticsParams, by: string, signal?: AbortSignal) =>
  getAnalytics<Breakdown>("/analytics/breakdown", { ...params, feature: undefined, by, limit: 10 }, signal);

export const fetchTopPages = (params: AnalyticsParams, signal?: AbortSignal) =>
  getAnalytics<TopPages>("/analytics/top-pages", { ...params, feature: undefined, limit: 8 }, signal);

export const fetchRecent = (params: AnalyticsParams, signal?: AbortSignal) =>
  getAnalytics<RecentEvents>("/analytics/recent", { ...params, feature: undefined, limit: 12 }, signal);

/** Where the browser downloads a CSV of the current filters (the session cookie authorises it;
 * share links may not export). */
export function exportUrl(params: AnalyticsParams, kind: "events" | "daily" = "events"): string {
  return `${API_BASE}/analytics/export.csv${queryString({ ...params, shareToken: undefined, feature: undefined, kind })}`;
}

/** The live stream for a session (EventSource sends no headers, so share links poll instead). */
export function streamUrl(params: AnalyticsParams): string {
  return `${API_BASE}/analytics/stream${queryString({ ...params, shareToken: undefined, feature: undefined })}`;
}
