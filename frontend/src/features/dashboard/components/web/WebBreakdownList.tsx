import type { ReactNode } from "react";

import type { WebBreakdown, WebBreakdownRow } from "../../api/web";

const numberFormat = new Intl.NumberFormat();
const percentFormat = new Intl.NumberFormat(undefined, { maximumFractionDigits: 1 });

interface WebBreakdownListProps {
  breakdown: WebBreakdown;
  /** The heading of the value column ("Country", "Page"). */
  column: string;
  /** A row's value as shown (a flag and a name, "unknown" for a missing one). */
  renderValue: (value: string | null) => ReactNode;
  /** A row's value as plain text, for its button's accessible name. */
  describeValue: (value: string | null) => string;
  /** Clicking a row filters the dashboard by its value. */
  onSelect: (value: string | null) => void;
  testId: string;
}

/** A breakdown's rows: value, count and share, with a bar behind; each row is a button that
 * filters by its value. */
export function WebBreakdownList({ breakdown, column, renderValue, describeValue, onSelect, testId }: WebBreakdownListProps) {
  const measure = breakdown.metric === "pageviews" ? "Pageviews" : "Visits";
  return (
    <div className="text-sm" data-testid={testId}>
      <div className="flex gap-2 pb-2 text-xs font-medium uppercase text-slate-500 dark:text-slate-400" aria-hidden="true">
        <span className="min-w-0 flex-1">{column}</span>
        <span className="w-16 text-right">{measure}</span>
        <span className="w-12 text-right">%</span>
      </div>
      <ul aria-label={`${column} by ${measure.toLowerCase()}`} className="flex flex-col gap-0.5">
        {breakdown.rows.map((row) => (
          <li key={row.value ?? "\u0000none"}>
            <RowButton row={row} measure={measure} renderValue={renderValue} describeValue={describeValue} onSelect={onSelect} column={column} />
          </li>
        ))}
      </ul>
    </div>
  );
}

interface RowButtonProps extends Pick<WebBreakdownListProps, "renderValue" | "describeValue" | "onSelect" | "column"> {
  row: WebBreakdownRow;
  measure: string;
}

function RowButton({ row, measure, renderValue, describeValue, onSelect, column }: RowButtonProps) {
  const text = describeValue(row.value);
  const count = numberFormat.format(row.count);
  const share = `${percentFormat.format(row.percentage)}%`;
  return (
    <button
      type="button"
      onClick={() => onSelect(row.value)}
      aria-label={`${column} ${text}: ${count} ${measure.toLowerCase()}, ${share}. Filter by it`}
      title={`Filter: ${column} is ${text}`}
      data-value={row.value ?? ""}
      className="relative flex w-full items-center gap-2 rounded py-1.5 text-left hover:bg-slate-50 focus-visible:outline focus-visible:outline-2 focus-visible:outline-indigo-600 dark:hover:bg-slate-800/60"
    >
      {/* A bar behind the value shows its share at a glance. */}
      <span
        aria-hidden="true"
        className="absolute inset-y-1 left-0 rounded bg-indigo-50 dark:bg-indigo-950"
        style={{ width: `${Math.min(100, Math.max(0, row.percentage))}%` }}
      />
      <span className="relative min-w-0 flex-1 truncate pl-2">{renderValue(row.value)}</span>
      <span className="relative w-16 text-right tabular-nums">{count}</span>
      <span className="relative w-12 text-right tabular-nums text-slate-500 dark:text-slate-400">{share}</span>
    </button>
  );
}
