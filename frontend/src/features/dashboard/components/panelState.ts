// What every dashboard panel shows while its query loads, fails or comes back empty.
import type { UseQueryResult } from "@tanstack/react-query";

import type { AnalyticsParams } from "../api/analytics";
import type { Poll } from "../api/queries";

/** What a panel needs to fetch its data: the filters as API parameters, and the polling interval. */
export interface PanelQueryProps {
  params: AnalyticsParams;
  poll: Poll;
}

/** Panel's loading, error, retry and empty props for a query; `isEmpty` judges its data. */
export function queryState<T>(query: UseQueryResult<T>, isEmpty: (data: T) => boolean) {
  return {
    isLoading: query.isPending,
    error: query.error,
    onRetry: () => void query.refetch(),
    isEmpty: query.data === undefined || isEmpty(query.data),
  };
}
