import type { ReactNode } from "react";

import { BrandMark } from "../../../components/layout/BrandMark";

/** A card alone in the middle of the page (invitations, invalid links). */
export function CenteredCard({ title, children, testId }: { title: string; children: ReactNode; testId?: string }) {
  return (
    <main className="flex min-h-screen items-center justify-center p-4">
      <div
        data-testid={testId}
        className="w-full max-w-md rounded-2xl border border-slate-200 bg-white p-6 shadow-sm dark:border-slate-800 dark:bg-slate-900 sm:p-8"
      >
        <BrandMark className="mb-6" />
        <h1 className="mb-3 text-2xl font-semibold">{title}</h1>
        {children}
      </div>
    </main>
  );
}
