import type { ReactNode } from "react";

export interface Column {
  label: string;
  /** Width, alignment and visibility classes for the column's header cell. */
  className?: string;
}

/** A compact data table: a header row from `columns`, and the caller's tbody. */
export function Table({ columns, testId, children }: { columns: Column[]; testId?: string; children: ReactNode }) {
  return (
    <table className="w-full table-fixed text-left text-sm" data-testid={testId}>
      <thead className="text-xs uppercase text-slate-500 dark:text-slate-400">
        <tr>
          {columns.map((column) => (
            <th key={column.label} className={`pb-2 font-medium ${column.className ?? ""}`}>
              {column.label}
            </th>
          ))}
        </tr>
      </thead>
      {children}
    </table>
  );
}
