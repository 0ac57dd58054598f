// TanStack Query hooks, one per analytics endpoint. `refetchInterval` is the polling fallback.
import { useQuery } from "@tanstack/react-query";

import { ApiError } from "../../../lib/api-client";

import {
  analyticsKeys,
  projectOfKey,
  fetchBreakdown,
  fetchFeatureUsage,
  fetchRecent,
  fetchSummary,
  fetchTimeseries,
  fetchTopPages,
  type AnalyticsParams,
  type Granularity,
} from "./analytics";
import { fetchWebBreakdown, fetchWebSummary, type WebDimension } from "./web";

/** How often to poll while the live stream is down, or false while it is up. */
export type Poll = number | false;

/** While new filters load, a panel keeps showing its previous answer, but only one for the
 * same project: after a project switch it shows its loading state, never the old project. */
export function sameProjectPlaceholder(queryKey: readonly unknown[]) {
  return <T>(previous: T | undefined, previousQuery: { queryKey: readonly unknown[] } | undefined): T | undefined =>
    previousQuery && projectOfKey(previousQuery.queryKey) === projectOfKey(queryKey) ? previous : undefined;
}

/** Retry outages (network, 5xx, 429), not answers: a 4xx (a range too costly, a project that is
 * not the reader's, a revoked share link) comes back the same. */
export function retryOutages(failures: number, error: Error): boolean {
  const answered = error instanceof ApiError && error.status >= 400 && error.status < 500 && error.status !== 429;
  return !answered && failures < 3;
}

/** One analytics query: its key and fetcher, with the options every panel shares. */
function useAnalyticsQuery<T>(
  queryKey: readonly unknown[],
  fetcher: (signal: AbortSignal) => Promise<T>,
  poll: Poll,
  enabled = true,
) {
  return useQuery<T, Error, T, readonly unknown[]>({
    queryKey,
    enabled,
    queryFn: ({ signal }) => fetcher(signal),
    refetchInterval: poll,
    placeholderData: sameProjectPlaceholder(queryKey),
    staleTime: 10_000,
    retry: retryOutages,
  });
}

export const useFeatureUsage = (params: AnalyticsParams, poll: Poll) =>
  useAnalyticsQuery(analyticsKeys.bars(params), (signal) => fetchFeatureUsage(params, signal), poll);

export const useSummary = (params: AnalyticsParams, poll: Poll) =>
  useAnalyticsQuery(analyticsKeys.summary(params), (signal) => fetchSummary(params, signal), poll);

export const useTrend = (params: AnalyticsParams, granularity: Granularity, compare: boolean, poll: Poll) =>
  useAnalyticsQuery(
    analyticsKeys.timeseries(params, granularity, compare),
    (signal) => fetchTimeseries(params, granularity, compare, signal),
    poll,
  );

export const useBreakdown = (params: AnalyticsParams, by: string, poll: Poll) =>
  useAnalyticsQuery(analyticsKeys.breakdown(params, by), (signal) => fetchBreakdown(params, by, signal), poll);

export const useTopPages = (params: AnalyticsParams, poll: Poll) =>
  useAnalyticsQuery(analyticsKeys.topPages(params), (signal) => fetchTopPages(params, signal), poll);

export const useRecentEvents = (params: AnalyticsParams, poll: Poll) =>
  useAnalyticsQuery(analyticsKeys.recent(params), (signal) => fetchRecent(params, signal), poll);

/** The web cards' figures; `enabled` false asks nothing (yet). */
export const useWebSummary = (params: AnalyticsParams, poll: Poll, enabled = true) =>
  useAnalyticsQuery(analyticsKeys.webSummary(params), (signal) => fetchWebSummary(params, signal), poll, enabled);

export const useWebBreakdown = (params: AnalyticsParams, by: WebDimension, poll: Poll) =>
  useAnalyticsQuery(analyticsKeys.webBreakdown(params, by), (signal) => fetchWebBreakdown(params, by, signal), poll);
