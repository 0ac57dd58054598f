// Live updates: an EventSource on /analytics/stream refreshes the charts when events arrive.
// While the stream is down, the dashboard polls instead (see `pollInterval`). A share link's
// page polls all along: EventSource cannot send the X-Ouroboard-Share header.
import { useQueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";

import { analyticsKeys, streamUrl, type AnalyticsParams } from "../api/analytics";

export type LiveState = "connecting" | "live" | "offline" | "polling";

const POLL_WHEN_OFFLINE_MS = 3000;
// A share link's visitors share one rate-limit bucket per link: poll gently.
export const POLL_SHARED_MS = 15_000;

export function useLiveStream(params: AnalyticsParams): { state: LiveState; pollInterval: number | false } {
  const queryClient = useQueryClient();
  const url = streamUrl(params);
  // What the stream for `url` last reported; a new URL starts out connecting.
  const [reported, setReported] = useState<{ url: string; state: LiveState } | null>(null);
  const shared = Boolean(params.shareToken);
  const supported = typeof EventSource !== "undefined" && !shared;
  const state: LiveState = shared
    ? "polling"
    : !supported
      ? "offline"
      : reported?.url === url
        ? reported.state
        : "connecting";

  useEffect(() => {
    if (!supported) return undefined;
    const setState = (next: LiveState) => setReported({ url, state: next });
    const source = new EventSource(url, { withCredentials: true });
    let throttle: ReturnType<typeof setTimeout> | null = null;
    const refresh = () => {
      // Coalesce bursts: one refetch per half second is plenty for charts.
      if (throttle !== null) return;
      throttle = setTimeout(() => {
        throttle = null;
        void queryClient.invalidateQueries({ queryKey: analyticsKeys.project(params.project) });
      }, 500);
    };
    source.addEventListener("open", () => setState("live"));
    source.addEventListener("hello", () => setState("live"));
    source.addEventListener("events", refresh);
    source.addEventListener("error", () => {
      // EventSource reconnects by itself (with Last-Event-ID); poll until it does.
      setState(source.readyState === EventSource.CLOSED ? "offline" : "connecting");
    });
    return () => {
      if (throttle !== null) clearTimeout(throttle);
      source.close();
    };
  }, [url, queryClient, supported, params.project]);

  if (shared) return { state, pollInterval: POLL_SHARED_MS };
  return { state, pollInterval: state === "live" ? false : POLL_WHEN_OFFLINE_MS };
}
