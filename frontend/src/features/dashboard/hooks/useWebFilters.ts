// Adding and removing the dashboard's web filters (a breakdown row's click, a chip's ×).
import { useCallback, useMemo } from "react";

import type { WebDimension } from "../api/web";
import type { DashboardFilters } from "../utils/filters";
import { addWebFilter, removeWebFilter, type FilterKey } from "../utils/webFilters";

export function useWebFilters(filters: DashboardFilters, update: (change: Partial<DashboardFilters>) => void) {
  const { web } = filters;
  const add = useCallback((by: WebDimension, value: string | null) => update({ web: addWebFilter(web, by, value) }), [web, update]);
  const remove = useCallback((key: FilterKey) => update({ web: removeWebFilter(web, key) }), [web, update]);
  return useMemo(() => ({ add, remove }), [add, remove]);
}
