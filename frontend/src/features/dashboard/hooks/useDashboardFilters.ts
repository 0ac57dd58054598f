// Filter state for the dashboard, mirrored in the URL and remembered per user in a cookie.
import { useCallback, useEffect, useMemo, useState } from "react";
import { useSearchParams } from "react-router";

import type { AnalyticsParams } from "../api/analytics";
import {
  DEFAULT_FILTERS,
  fromSearchParams,
  hasFilterParams,
  isoDate,
  loadFilters,
  mergeFilterParams,
  saveFilters,
  todayIn,
  toApiParams,
  type DashboardFilters,
} from "../utils/filters";

/** A link's filters win, then the user's cookie, then the defaults. */
export function initialFilters(search: URLSearchParams, userId: number | null): DashboardFilters {
  if (hasFilterParams(search)) return fromSearchParams(search);
  return (userId !== null ? loadFilters(userId) : null) ?? DEFAULT_FILTERS;
}

/** The filters, in the URL beside the other parameters (the project); remembered in a cookie
 * for a signed-in user (`userId`), not for a share link's visitor (null). */
export function useDashboardFilters(userId: number | null) {
  const [searchParams, setSearchParams] = useSearchParams();
  const [filters, setFilters] = useState<DashboardFilters>(() => initialFilters(searchParams, userId));

  useEffect(() => {
    if (userId !== null) saveFilters(userId, filters);
    const wanted = mergeFilterParams(searchParams, filters).toString();
    if (wanted !== searchParams.toString()) {
      setSearchParams((current) => mergeFilterParams(current, filters), { replace: true });
    }
    // searchParams is deliberately left out: the URL follows the filters, not the reverse.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [filters, userId, setSearchParams]);

  const update = useCallback((change: Partial<DashboardFilters>) => {
    setFilters((current) => ({ ...current, ...change }));
  }, []);
  const reset = useCallback(() => setFilters(DEFAULT_FILTERS), []);

  return useMemo(() => ({ filters, update, reset }), [filters, update, reset]);
}

/** Which project the dashboard reads, in which reporting zone, and through what. */
export interface DashboardProject {
  slug: string;
  name: string;
  /** The project's reporting time zone (IANA): days and hours are counted in it. */
  timezone: string;
  /** The built-in project recording the dashboard's own use: its feature panels come first
   * (its page views are the dashboard's own). Unknown through a share link. */
  isSelfTracking?: boolean;
}

/** The filters as API parameters for one project, recomputed when the filters, the project
 * or the calendar day (in the project's zone) change. */
export function useAnalyticsParams(
  filters: DashboardFilters,
  project: Pick<DashboardProject, "slug" | "timezone">,
  shareToken?: string,
): AnalyticsParams {
  const today = isoDate(todayIn(project.timezone));
  const { slug, timezone } = project;
  return useMemo(
    () => ({ project: slug, ...(shareToken ? { shareToken } : {}), ...toApiParams(filters, todayIn(timezone), timezone) }),
    [filters, slug, timezone, shareToken, today], // eslint-disable-line react-hooks/exhaustive-deps
  );
}
