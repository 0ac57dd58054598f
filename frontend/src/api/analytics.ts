// The analytics resource: typed fetchers for every /analytics endpoint.
import { apiRequest, API_BASE } from "./client";

export type AgeGroup = "All" | "<18" | "18-40" | ">40";
export type GenderFilter = "All" | "Male" | "Female" | "Other";

/** Query parameters every analytics endpoint accepts. */
export interface AnalyticsParams {
  startDate?: string;
  endDate?: string;
  ageGroup: AgeGroup;
  gender: GenderFilter;
  feature?: string;
  tz: string;
}

export interface FeatureCount {
  feature: string;
  count: number;
}

export interface SeedAnalytics {
  barChartData: FeatureCount[];
  lineChartData: { date: string; count: number }[];
}

export interface Figures {
  totalEvents: number;
  uniqueUsers: number;
  topFeature: { name: string; count: number } | null;
  dailyAverage: number;
  featuresTracked: number;
}

export interface Summary extends Figures {
  previous: Figures;
  change: Record<"totalEvents" | "uniqueUsers" | "topFeature" | "dailyAverage" | "featuresTracked", number | null>;
  startDate: string | null;
  endDate: string | null;
  cached: boolean;
}

export type Granularity = "hour" | "day" | "week" | "month";

export interface Point {
  t: string;
  count: number;
}

export interface Timeseries {
  granularity: Granularity;
  series: Point[];
  previous: Point[] | null;
  cached: boolean;
}

export interface BreakdownItem {
  value: string | null;
  count: number;
  uniqueUsers: number;
}

export interface Breakdown {
  by: string;
  items: BreakdownItem[];
  cached: boolean;
}

export interface TopPages {
  pages: { pageUrl: string; views: number; uniqueUsers: number }[];
  cached: boolean;
}

export interface RecentEvent {
  id: number;
  uuid: string;
  name: string;
  pageUrl: string | null;
  timestamp: string;
  userId: number | null;
  username: string | null;
  anonymousId: string | null;
  ageGroup: string | null;
  gender: string | null;
  properties: Record<string, unknown> | null;
}

export interface RecentEvents {
  events: RecentEvent[];
  nextCursor: string | null;
}

/** The query string for a set of parameters, leaving out empty ones. */
export function queryString(params: object): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== "") search.set(key, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : "";
}

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

export const fetchSeedAnalytics = (params: AnalyticsParams, signal?: AbortSignal) =>
  get<SeedAnalytics>("/analytics", { ...params, feature: undefined }, signal);

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
