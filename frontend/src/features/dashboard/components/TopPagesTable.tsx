import type { TopPages } from "../api/analytics";

const numberFormat = new Intl.NumberFormat();

export function TopPagesTable({ pages }: { pages: TopPages["pages"] }) {
  const most = Math.max(1, ...pages.map((page) => page.views));
  return (
    <table className="w-full table-fixed text-left text-sm" data-testid="top-pages">
      <thead className="text-xs uppercase text-slate-500 dark:text-slate-400">
        <tr>
          <th className="pb-2 font-medium">Page</th>
          <th className="w-20 pb-2 text-right font-medium">Views</th>
          <th className="w-20 pb-2 text-right font-medium">Users</th>
        </tr>
      </thead>
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
    </table>
  );
}
