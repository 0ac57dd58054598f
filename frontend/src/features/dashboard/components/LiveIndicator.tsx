import { POLL_SHARED_MS, type LiveState } from "../hooks/useLiveStream";

const LIVE_LABELS: Record<LiveState, { text: string; dot: string }> = {
  live: { text: "Live", dot: "bg-emerald-500" },
  connecting: { text: "Connecting…", dot: "bg-amber-400 animate-pulse" },
  offline: { text: "Offline, polling", dot: "bg-slate-400" },
  polling: { text: `Refreshes every ${POLL_SHARED_MS / 1000} s`, dot: "bg-sky-400" },
};

/** Whether the charts update live or fall back to polling. */
export function LiveIndicator({ state }: { state: LiveState }) {
  const live = LIVE_LABELS[state];
  return (
    <span className="flex items-center gap-1.5 text-xs text-slate-500 dark:text-slate-400" data-testid="live-indicator" data-state={state} aria-live="polite">
      <span className={`h-2 w-2 rounded-full ${live.dot}`} aria-hidden="true" />
      {live.text}
    </span>
  );
}
