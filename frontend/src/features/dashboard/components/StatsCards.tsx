import { ApiError } from "../../../lib/api-client";
import { useSummary } from "../api/queries";
import type { PanelQueryProps } from "./panelState";

const numberFormat = new Intl.NumberFormat();

function Change({ value }: { value: number | null }) {
  if (value === null) return <span className="text-xs text-slate-400">no previous data</span>;
  const up = value > 0;
  const flat = value === 0;
  const colour = flat ? "text-slate-500" : up ? "text-emerald-600 dark:text-emerald-400" : "text-red-600 dark:text-red-400";
  return (
    <span className={`text-xs font-medium ${colour}`} aria-label={`${up ? "up" : flat ? "unchanged" : "down"} ${Math.abs(value)}% on the previous period`}>
      {flat ? "→" : up ? "↑" : "↓"} {Math.abs(value).toFixed(1)}%
    </span>
  );
}

function Card({ label, value, change, testId, hint }: { label: string; value: string; change: number | null; testId: string; hint?: string }) {
  return (
    <div className="min-w-0 rounded-2xl border border-slate-200 bg-white p-4 shadow-sm dark:border-slate-800 dark:bg-slate-900">
      <p className="text-xs font-medium uppercase tracking-wide text-slate-500 dark:text-slate-400">{label}</p>
      <p className="mt-1 truncate text-xl font-semibold tabular-nums sm:text-2xl" data-testid={testId} title={hint ?? value}>
        {value}
      </p>
      <Change value={change} />
    </div>
  );
}

/** The headline figures, each with its change on the previous period. */
export function StatsCards({ params, poll }: PanelQueryProps) {
  const query = useSummary(params, poll);
  const summary = query.data;
  const error = query.error;
  if (error) {
    return (
      <div role="alert" className="flex items-center justify-between gap-3 rounded-2xl border border-red-200 bg-red-50 p-4 text-sm text-red-700 dark:border-red-900 dark:bg-red-950 dark:text-red-300">
        <span>Could not load the summary: {error instanceof ApiError ? error.message : "unknown error"}</span>
        <button type="button" className="btn-secondary" onClick={() => void query.refetch()}>
          Retry
        </button>
      </div>
    );
  }
  if (query.isPending || !summary) {
    return (
      <div className="grid grid-cols-2 gap-3 lg:grid-cols-4" aria-busy="true" aria-label="Loading summary">
        {Array.from({ length: 4 }, (_, index) => (
          <div key={index} className="h-24 animate-pulse rounded-2xl bg-slate-200 dark:bg-slate-800" />
        ))}
      </div>
    );
  }
  return (
    <div className="grid grid-cols-2 gap-3 lg:grid-cols-4">
      <Card label="Total events" value={numberFormat.format(summary.totalEvents)} change={summary.change.totalEvents} testId="card-total" />
      <Card
        label="Unique users"
        value={summary.uniqueUsers === null ? "—" : numberFormat.format(summary.uniqueUsers)}
        hint={summary.uniqueUsers === null ? "Too many events of this feature to count its users one by one: choose a shorter range" : undefined}
        change={summary.change.uniqueUsers}
        testId="card-users"
      />
      <Card
        label="Top feature"
        value={summary.topFeature && "name" in summary.topFeature ? summary.topFeature.name : "—"}
        change={summary.change.topFeature}
        testId="card-top"
      />
      <Card
        label="Daily average"
        value={numberFormat.format(summary.dailyAverage)}
        change={summary.change.dailyAverage}
        testId="card-average"
      />
    </div>
  );
}
