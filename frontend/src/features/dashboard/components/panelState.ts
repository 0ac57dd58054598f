// What every dashboard panel shows while its query loads, fails or comes back empty.
import type { UseQueryResult } from "@tanstack/react-query";

import type { AnalyticsParams } from "../api/analytics";
import type { Poll } from "../api/queries";

/** What a panel needs to fetch its data: the filters as API parameters, and the polling interval. */
export interface PanelQueryProps {
  params: AnalyticsParams;
  poll: Poll;
}

export const EMPTY_HINT = "No events match these filters. Widen the date range or reset the filters.";

/** Panel's loading, error and retry props for a query. */
export function queryState(query: UseQueryResult<unknown>) {
  return { isLoading: query.isPending, error: query.error, onRetry: () => void query.refetch() };
}
