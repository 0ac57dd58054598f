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
  saveFilters,
  toApiParams,
  toSearchParams,
  type DashboardFilters,
} from "../utils/filters";

/** A link's filters win, then the user's cookie, then the defaults. */
export function initialFilters(search: URLSearchParams, userId: number): DashboardFilters {
  if (hasFilterParams(search)) return fromSearchParams(search);
  return loadFilters(userId) ?? DEFAULT_FILTERS;
}

export function useDashboardFilters(userId: number) {
  const [searchParams, setSearchParams] = useSearchParams();
  const [filters, setFilters] = useState<DashboardFilters>(() => initialFilters(searchParams, userId));

  useEffect(() => {
    saveFilters(userId, filters);
    const wanted = toSearchParams(filters).toString();
    if (wanted !== searchParams.toString()) setSearchParams(toSearchParams(filters), { replace: true });
    // searchParams is deliberately left out: the URL follows the filters, not the reverse.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [filters, userId, setSearchParams]);

  const update = useCallback((change: Partial<DashboardFilters>) => {
    setFilters((current) => ({ ...current, ...change }));
  }, []);
  const reset = useCallback(() => setFilters(DEFAULT_FILTERS), []);

  return useMemo(() => ({ filters, update, reset }), [filters, update, reset]);
}

/** The filters as API parameters, recomputed when the filters or the calendar day change. */
export function useAnalyticsParams(filters: DashboardFilters): AnalyticsParams {
  const today = isoDate(new Date());
  return useMemo(() => toApiParams(filters), [filters, today]); // eslint-disable-line react-hooks/exhaustive-deps
}
