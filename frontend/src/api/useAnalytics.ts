// TanStack Query hooks, one per analytics endpoint. `refetchInterval` is the polling fallback.
import { keepPreviousData, useQuery } from "@tanstack/react-query";

import {
  analyticsKeys,
  fetchBreakdown,
  fetchRecent,
  fetchSeedAnalytics,
  fetchSummary,
  fetchTimeseries,
  fetchTopPages,
  type AnalyticsParams,
  type Granularity,
} from "./analytics";

type Poll = number | false;
const shared = { placeholderData: keepPreviousData, staleTime: 10_000 } as const;

export const useFeatureBars = (params: AnalyticsParams, poll: Poll) =>
  useQuery({ queryKey: analyticsKeys.bars(params), queryFn: ({ signal }) => fetchSeedAnalytics(params, signal), refetchInterval: poll, ...shared });

export const useSummary = (params: AnalyticsParams, poll: Poll) =>
  useQuery({ queryKey: analyticsKeys.summary(params), queryFn: ({ signal }) => fetchSummary(params, signal), refetchInterval: poll, ...shared });

export const useTrend = (params: AnalyticsParams, granularity: Granularity, compare: boolean, poll: Poll) =>
  useQuery({
    queryKey: analyticsKeys.timeseries(params, granularity, compare),
    queryFn: ({ signal }) => fetchTimeseries(params, granularity, compare, signal),
    refetchInterval: poll,
    ...shared,
  });

export const useBreakdown = (params: AnalyticsParams, by: string, poll: Poll) =>
  useQuery({ queryKey: analyticsKeys.breakdown(params, by), queryFn: ({ signal }) => fetchBreakdown(params, by, signal), refetchInterval: poll, ...shared });

export const useTopPages = (params: AnalyticsParams, poll: Poll) =>
  useQuery({ queryKey: analyticsKeys.topPages(params), queryFn: ({ signal }) => fetchTopPages(params, signal), refetchInterval: poll, ...shared });

export const useRecentEvents = (params: AnalyticsParams, poll: Poll) =>
  useQuery({ queryKey: analyticsKeys.recent(params), queryFn: ({ signal }) => fetchRecent(params, signal), refetchInterval: poll, ...shared });
