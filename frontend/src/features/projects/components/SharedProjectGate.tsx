import { useCallback, type ReactNode } from "react";

import { FullPageMessage } from "../../../components/layout/FullPageMessage";
import { ApiError } from "../../../lib/api-client";
import type { SharedProject } from "../api/types";
import { useSharedProject } from "../hooks/useProjects";
import { CenteredCard } from "./CenteredCard";

export type SharedProjectInfo = SharedProject["project"];

/** A share link's page: checks the link (and keeps checking it), then renders `children`
 * with its project and a way to check again now (when a read was refused); a revoked or
 * unknown link shows why there is nothing to see. */
export function SharedProjectGate({
  token,
  children,
}: {
  token: string;
  children: (project: SharedProjectInfo, recheck: () => void) => ReactNode;
}) {
  const shared = useSharedProject(token);
  const { refetch } = shared;
  const recheck = useCallback(() => void refetch({ cancelRefetch: false }), [refetch]);
  const error = shared.error;
  if (error instanceof ApiError && (error.status === 401 || error.status === 404)) {
    return (
      <CenteredCard title="This link is no longer valid" testId="share-invalid">
        <p className="text-sm text-slate-600 dark:text-slate-300">
          The dashboard it shared has been unshared, or the link was mistyped. Ask whoever sent it for a new one.
        </p>
      </CenteredCard>
    );
  }
  if (shared.data) return <>{children(shared.data, recheck)}</>;
  if (error) {
    return (
      <FullPageMessage title="Cannot reach Ouroboard" body="The server did not answer.">
        <button type="button" className="btn-primary" onClick={() => void shared.refetch()}>
          Retry
        </button>
      </FullPageMessage>
    );
  }
  return <FullPageMessage title="Loading the shared dashboard…" busy />;
}
