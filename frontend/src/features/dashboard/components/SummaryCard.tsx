// Headline figures with their change on the previous period (the summary and web cards),
// and the cards' loading and error states.
import { ApiError } from "../../../lib/api-client";

interface ChangeProps {
  /** Percent change on the previous period, null when there was nothing to compare with. */
  value: number | null;
  /** For figures where less is good (bounce rate): a fall shows green, a rise red. */
  lowerIsBetter?: boolean;
}

/** An arrow and a percentage, coloured by whether the change is good news. */
export function Change({ value, lowerIsBetter = false }: ChangeProps) {
  if (value === null) return <span className="text-xs text-slate-400">no previous data</span>;
  const up = value > 0;
  const flat = value === 0;
  const good = lowerIsBetter ? !up : up;
  const colour = flat ? "text-slate-500" : good ? "text-emerald-600 dark:text-emerald-400" : "text-red-600 dark:text-red-400";
  return (
    <span className={`text-xs font-medium ${colour}`} aria-label={`${up ? "up" : flat ? "unchanged" : "down"} ${Math.abs(value)}% on the previous period`}>
      {flat ? "→" : up ? "↑" : "↓"} {Math.abs(value).toFixed(1)}%
    </span>
  );
}

interface SummaryCardProps {
  label: string;
  value: string;
  change: number | null;
  testId: string;
  /** The figure's tooltip, when it needs more than the figure itself. */
  hint?: string;
  lowerIsBetter?: boolean;
}

export function SummaryCard({ label, value, change, testId, hint, lowerIsBetter }: SummaryCardProps) {
  return (
    <div className="min-w-0 rounded-2xl border border-slate-200 bg-white p-4 shadow-sm dark:border-slate-800 dark:bg-slate-900">
      <p className="text-xs font-medium uppercase tracking-wide text-slate-500 dark:text-slate-400">{label}</p>
      <p className="mt-1 truncate text-xl font-semibold tabular-nums sm:text-2xl" data-testid={testId} title={hint ?? value}>
        {value}
      </p>
      <Change value={change} lowerIsBetter={lowerIsBetter} />
    </div>
  );
}

/** Placeholders the size of the cards while their figures load. */
export function CardsLoading({ count, label, className }: { count: number; label: string; className: string }) {
  return (
    <div className={className} aria-busy="true" aria-label={label}>
      {Array.from({ length: count }, (_, index) => (
        <div key={index} className="h-24 animate-pulse rounded-2xl bg-slate-200 dark:bg-slate-800" />
      ))}
    </div>
  );
}

/** The cards' failure, with a retry. */
export function CardsError({ what, error, onRetry }: { what: string; error: Error; onRetry: () => void }) {
  return (
    <div role="alert" className="flex items-center justify-between gap-3 rounded-2xl border border-red-200 bg-red-50 p-4 text-sm text-red-700 dark:border-red-900 dark:bg-red-950 dark:text-red-300">
      <span>Could not load {what}: {error instanceof ApiError ? error.message : "unknown error"}</span>
      <button type="button" className="btn-secondary" onClick={onRetry}>
        Retry
      </button>
    </div>
  );
}
