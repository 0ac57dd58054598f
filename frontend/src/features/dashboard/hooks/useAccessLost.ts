// Noticing that the reader lost access to the project while its dashboard is open.
import { useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef } from "react";

import { ApiError } from "../../../lib/api-client";
import { analyticsKeys, projectOfKey } from "../api/analytics";

// 401: the share link was revoked (a session's 401 already sends the user to sign in);
// 404: the reader is no longer a member (or the project was deleted).
const LOST_ACCESS = new Set([401, 404]);

/** Call `onLost` when any analytics query of `project` fails because access ended, so the page
 * can say so at once instead of showing every panel's error. */
export function useAccessLost(project: string, onLost: (() => void) | undefined): void {
  const queryClient = useQueryClient();
  const latest = useRef(onLost);
  useEffect(() => {
    latest.current = onLost;
  }, [onLost]);
  const listening = onLost !== undefined;

  useEffect(() => {
    if (!listening) return undefined;
    return queryClient.getQueryCache().subscribe((event) => {
      if (event.type !== "updated" || event.action.type !== "error") return;
      const key = event.query.queryKey;
      if (key[0] !== analyticsKeys.all[0] || projectOfKey(key) !== project) return;
      const error = event.action.error;
      if (error instanceof ApiError && LOST_ACCESS.has(error.status)) latest.current?.();
    });
  }, [queryClient, project, listening]);
}
