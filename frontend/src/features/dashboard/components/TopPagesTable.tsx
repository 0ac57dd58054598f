import { Table, type Column } from "../../../components/table/Table";
import type { TopPage } from "../api/analytics";

const COLUMNS: Column[] = [
  { label: "Page" },
  { label: "Views", className: "w-20 text-right" },
  { label: "Users", className: "w-20 text-right" },
];
const numberFormat = new Intl.NumberFormat();

export function TopPagesTable({ pages }: { pages: TopPage[] }) {
  const most = Math.max(1, ...pages.map((page) => page.views));
  return (
    <Table columns={COLUMNS} testId="top-pages">
      <tbody>
        {pages.map((page) => (
          <tr key={page.pageUrl}>
            <td className="relative truncate py-1.5" title={page.pageUrl}>
              {/* A bar behind the URL shows its share at a glance. */}
              <span
                aria-hidden="true"
                className="absolute inset-y-1 left-0 rounded bg-indigo-50 dark:bg-indigo-950"
                style={{ width: `${(page.views / most) * 100}%` }}
              />
              <span className="relative pl-2">{page.pageUrl}</span>
            </td>
            <td className="py-1.5 text-right tabular-nums">{numberFormat.format(page.views)}</td>
            <td className="py-1.5 text-right tabular-nums text-slate-500 dark:text-slate-400">{numberFormat.format(page.uniqueUsers)}</td>
          </tr>
        ))}
      </tbody>
    </Table>
  );
}
