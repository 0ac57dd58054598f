import type { ReactNode } from "react";

/** A centred message for loading and error states that fill the page. */
export function FullPageMessage({
  title,
  body,
  busy = false,
  children,
}: {
  title: string;
  body?: string;
  busy?: boolean;
  children?: ReactNode;
}) {
  return (
    <main className="flex min-h-screen flex-col items-center justify-center gap-3 p-6 text-center" aria-busy={busy}>
      {busy && <span className="h-8 w-8 animate-spin rounded-full border-4 border-indigo-200 border-t-indigo-600" />}
      <h1 className="text-lg font-semibold">{title}</h1>
      {body && <p className="text-slate-500 dark:text-slate-400">{body}</p>}
      {children}
    </main>
  );
}
