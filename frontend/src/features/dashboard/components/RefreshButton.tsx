import { useIsFetching, useQueryClient } from "@tanstack/react-query";

import { track } from "../../../lib/tracking";
import { analyticsKeys } from "../api/analytics";

/** Refetch every analytics panel of the project now; spins while any of them is fetching. */
export function RefreshButton({ project }: { project: string }) {
  const queryClient = useQueryClient();
  const refreshing = useIsFetching({ queryKey: analyticsKeys.project(project) }) > 0;
  return (
    <button
      type="button"
      className="btn-secondary"
      onClick={() => {
        track("refresh_data");
        void queryClient.invalidateQueries({ queryKey: analyticsKeys.project(project) });
      }}
      disabled={refreshing}
      aria-label="Refresh data"
    >
      <span aria-hidden="true" className={refreshing ? "inline-block animate-spin" : ""}>
        ↻
      </span>
      <span className="ml-1 hidden sm:inline">Refresh</span>
    </button>
  );
}
