import type { ReactNode } from "react";

import { ApiError } from "../../lib/api-client";

export interface PanelProps {
  title: string;
  /** Extra controls in the panel header. */
  actions?: ReactNode;
  isLoading: boolean;
  error: unknown;
  isEmpty: boolean;
  emptyMessage: string;
  onRetry: () => void;
  skeleton?: ReactNode;
  children: ReactNode;
  className?: string;
  testId?: string;
}

/** A dashboard card with its loading skeleton, empty state and error state with retry. */
export function Panel({
  title,
  actions,
  isLoading,
  error,
  isEmpty,
  emptyMessage,
  onRetry,
  skeleton,
  children,
  className = "",
  testId,
}: PanelProps) {
  let body: ReactNode = children;
  if (isLoading) {
    body = skeleton ?? <Skeleton lines={5} />;
  } else if (error) {
    const message = error instanceof ApiError ? error.message : "Something went wrong.";
    body = (
      <div role="alert" className="flex flex-col items-center gap-3 py-8 text-center text-sm">
        <p className="text-red-700 dark:text-red-300">Could not load {title.toLowerCase()}: {message}</p>
        <button type="button" className="btn-secondary" onClick={onRetry}>
          Retry
        </button>
      </div>
    );
  } else if (isEmpty) {
    body = <p className="py-10 text-center text-sm text-slate-500 dark:text-slate-400">{emptyMessage}</p>;
  }
  return (
    <section
      aria-label={title}
      aria-busy={isLoading}
      data-testid={testId}
      className={`min-w-0 rounded-2xl border border-slate-200 bg-white p-4 shadow-sm dark:border-slate-800 dark:bg-slate-900 sm:p-5 ${className}`}
    >
      <div className="mb-3 flex flex-wrap items-center justify-between gap-2">
        <h2 className="text-sm font-semibold uppercase tracking-wide text-slate-500 dark:text-slate-400">{title}</h2>
        {actions}
      </div>
      {body}
    </section>
  );
}

export function Skeleton({ lines = 4, height = "h-4" }: { lines?: number; height?: string }) {
  return (
    <div className="animate-pulse space-y-3" aria-hidden="true">
      {Array.from({ length: lines }, (_, index) => (
        <div key={index} className={`${height} rounded bg-slate-200 dark:bg-slate-800`} style={{ width: `${90 - index * 9}%` }} />
      ))}
    </div>
  );
}

export function ChartSkeleton() {
  return <div className="h-64 animate-pulse rounded-xl bg-slate-100 dark:bg-slate-800" aria-hidden="true" />;
}
