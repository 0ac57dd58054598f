// Small building blocks shared by the projects pages.
import { useState, type ReactNode } from "react";

import { ApiError } from "../../../lib/api-client";

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });

/** A date and time from the API, or `empty` when there is none. */
export function When({ value, empty = "never" }: { value: string | null | undefined; empty?: string }) {
  if (!value) return <span className="text-slate-400">{empty}</span>;
  return <time dateTime={value}>{dateTime.format(new Date(value))}</time>;
}

/** A settings card: a title, what it is for, and its content. */
export function Section({
  title,
  description,
  children,
  tone = "normal",
  testId,
}: {
  title: string;
  description?: ReactNode;
  children: ReactNode;
  tone?: "normal" | "danger";
  testId?: string;
}) {
  const border = tone === "danger" ? "border-red-200 dark:border-red-900" : "border-slate-200 dark:border-slate-800";
  return (
    <section aria-label={title} data-testid={testId} className={`rounded-2xl border bg-white p-4 shadow-sm dark:bg-slate-900 sm:p-6 ${border}`}>
      <h2 className={`text-lg font-semibold ${tone === "danger" ? "text-red-700 dark:text-red-400" : ""}`}>{title}</h2>
      {description && <p className="mb-4 mt-1 text-sm text-slate-500 dark:text-slate-400">{description}</p>}
      <div className={description ? "" : "mt-4"}>{children}</div>
    </section>
  );
}

/** The message of a failed request, as an alert. */
export function ErrorNote({ error, prefix }: { error: unknown; prefix?: string }) {
  if (!error) return null;
  const message = error instanceof ApiError ? error.message : "Something went wrong.";
  return (
    <p role="alert" className="my-2 rounded-lg bg-red-50 p-3 text-sm text-red-700 dark:bg-red-950 dark:text-red-300">
      {prefix ? `${prefix}: ` : ""}
      {message}
    </p>
  );
}

/** A success message, announced politely. */
export function SuccessNote({ children }: { children: ReactNode }) {
  return (
    <div role="status" className="my-3 rounded-lg bg-emerald-50 p-3 text-sm text-emerald-800 dark:bg-emerald-950 dark:text-emerald-200">
      {children}
    </div>
  );
}

/** What a list shows while it loads, when it failed (with retry), or when it is empty. */
export function ListState({
  query,
  what,
  empty,
  children,
}: {
  query: { isPending: boolean; error: unknown; data?: unknown[]; refetch: () => unknown };
  what: string;
  empty: string;
  children: ReactNode;
}) {
  if (query.isPending) {
    return (
      <div className="animate-pulse space-y-2" aria-busy="true" aria-label={`Loading ${what}`}>
        <div className="h-4 w-3/4 rounded bg-slate-200 dark:bg-slate-800" />
        <div className="h-4 w-1/2 rounded bg-slate-200 dark:bg-slate-800" />
      </div>
    );
  }
  if (query.error) {
    return (
      <div className="flex flex-wrap items-center gap-3">
        <ErrorNote error={query.error} prefix={`Could not load the ${what}`} />
        <button type="button" className="btn-secondary" onClick={() => void query.refetch()}>
          Retry
        </button>
      </div>
    );
  }
  if (!query.data || query.data.length === 0) return <p className="text-sm text-slate-500 dark:text-slate-400">{empty}</p>;
  return <>{children}</>;
}

/** A button that asks once more before a change that cannot be undone. */
export function ConfirmButton({
  label,
  confirmLabel,
  question,
  onConfirm,
  busy = false,
}: {
  label: string;
  confirmLabel: string;
  question: string;
  onConfirm: () => void;
  busy?: boolean;
}) {
  const [asking, setAsking] = useState(false);
  if (!asking) {
    return (
      <button type="button" className="btn-secondary" disabled={busy} onClick={() => setAsking(true)}>
        {busy ? "Working…" : label}
      </button>
    );
  }
  return (
    <span className="inline-flex flex-wrap items-center gap-2 text-sm">
      <span>{question}</span>
      <button
        type="button"
        className="btn-danger"
        onClick={() => {
          setAsking(false);
          onConfirm();
        }}
      >
        {confirmLabel}
      </button>
      <button type="button" className="btn-secondary" onClick={() => setAsking(false)}>
        Cancel
      </button>
    </span>
  );
}

/** A labelled form control. */
export function FormRow({ label, htmlFor, children, hint }: { label: string; htmlFor: string; children: ReactNode; hint?: string }) {
  return (
    <div className="min-w-0">
      <label htmlFor={htmlFor} className="mb-1 block text-sm font-medium">
        {label}
      </label>
      {children}
      {hint && <p className="mt-1 text-xs text-slate-500 dark:text-slate-400">{hint}</p>}
    </div>
  );
}

/** A secret or link the server shows only once: what it is, and the value to copy. */
export function ShownOnce({ children, testId }: { children: ReactNode; testId?: string }) {
  return (
    <div data-testid={testId} className="my-3 rounded-lg border border-emerald-200 bg-emerald-50 p-3 text-sm text-emerald-900 dark:border-emerald-900 dark:bg-emerald-950 dark:text-emerald-100">
      {children}
    </div>
  );
}
