import type { ReactNode } from "react";

import { BrandMark } from "./BrandMark";

/** The sticky top bar: the brand, what is shown (`nav`: the project) and a status on the left,
 * controls on the right. */
export function Header({ status, nav, children }: { status?: ReactNode; nav?: ReactNode; children?: ReactNode }) {
  return (
    <header className="sticky top-0 z-10 border-b border-slate-200 bg-white/90 backdrop-blur dark:border-slate-800 dark:bg-slate-900/90">
      <div className="mx-auto flex max-w-screen-2xl flex-wrap items-center justify-between gap-2 px-3 py-2 sm:px-6">
        <div className="flex min-w-0 flex-wrap items-center gap-3">
          <BrandMark />
          {nav}
          {status}
        </div>
        <div className="flex items-center gap-2">{children}</div>
      </div>
    </header>
  );
}
