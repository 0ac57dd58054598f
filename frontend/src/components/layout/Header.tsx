import type { LiveState } from "../../live/useLiveStream";
import type { Theme } from "../../theme/useTheme";
import { BrandMark } from "./BrandMark";

const LIVE_LABELS: Record<LiveState, { text: string; dot: string }> = {
  live: { text: "Live", dot: "bg-emerald-500" },
  connecting: { text: "Connecting…", dot: "bg-amber-400 animate-pulse" },
  offline: { text: "Offline, polling", dot: "bg-slate-400" },
};

interface HeaderProps {
  username: string;
  liveState: LiveState;
  theme: Theme;
  refreshing: boolean;
  onRefresh: () => void;
  onToggleTheme: () => void;
  onLogout: () => void;
  loggingOut: boolean;
}

export function Header({ username, liveState, theme, refreshing, onRefresh, onToggleTheme, onLogout, loggingOut }: HeaderProps) {
  const live = LIVE_LABELS[liveState];
  return (
    <header className="sticky top-0 z-10 border-b border-slate-200 bg-white/90 backdrop-blur dark:border-slate-800 dark:bg-slate-900/90">
      <div className="mx-auto flex max-w-screen-2xl flex-wrap items-center justify-between gap-2 px-3 py-2 sm:px-6">
        <div className="flex items-center gap-3">
          <BrandMark />
          <span className="flex items-center gap-1.5 text-xs text-slate-500 dark:text-slate-400" data-testid="live-indicator" data-state={liveState} aria-live="polite">
            <span className={`h-2 w-2 rounded-full ${live.dot}`} aria-hidden="true" />
            {live.text}
          </span>
        </div>
        <div className="flex items-center gap-2">
          <span className="hidden text-sm text-slate-600 dark:text-slate-300 sm:inline" data-testid="current-user">
            {username}
          </span>
          <button type="button" className="btn-secondary" onClick={onRefresh} disabled={refreshing} aria-label="Refresh data">
            <span aria-hidden="true" className={refreshing ? "inline-block animate-spin" : ""}>
              ↻
            </span>
            <span className="ml-1 hidden sm:inline">Refresh</span>
          </button>
          <button
            type="button"
            className="btn-secondary"
            onClick={onToggleTheme}
            aria-label={theme === "dark" ? "Switch to light theme" : "Switch to dark theme"}
            data-testid="theme-toggle"
          >
            <span aria-hidden="true">{theme === "dark" ? "☀" : "☾"}</span>
          </button>
          <button type="button" className="btn-secondary" onClick={onLogout} disabled={loggingOut}>
            Log out
          </button>
        </div>
      </div>
    </header>
  );
}
