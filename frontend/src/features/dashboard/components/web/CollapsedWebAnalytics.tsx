import { useState } from "react";

import { track } from "../../../../lib/tracking";

import { WebAnalytics } from "./WebAnalytics";
import type { WebPanelProps } from "./WebBreakdownPanel";

/** The website figures, folded away below the features: for a project without page views
 * (its events may still carry devices and countries, from a server-side sender) and for the
 * self-tracking project (whose page views are the dashboard's own). */
export function CollapsedWebAnalytics({ hint, ...props }: WebPanelProps & { hint: string }) {
  const [open, setOpen] = useState(false);
  return (
    <details
      className="rounded-2xl border border-slate-200 bg-white p-4 shadow-sm dark:border-slate-800 dark:bg-slate-900"
      onToggle={(event) => {
        const opened = event.currentTarget.open;
        if (opened) track("web_panels_open");
        setOpen(opened);
      }}
      data-testid="web-collapsed"
    >
      <summary className="cursor-pointer text-sm font-semibold uppercase tracking-wide text-slate-500 dark:text-slate-400">
        Website analytics
        <span className="ml-2 font-normal normal-case tracking-normal">{hint}</span>
      </summary>
      {/* Fetched only once opened. */}
      {open && (
        <div className="mt-4">
          <WebAnalytics {...props} />
        </div>
      )}
    </details>
  );
}
