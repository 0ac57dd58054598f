import type { RecentEvent } from "../api/analytics";

const timeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "medium" });

export function RecentEventsTable({ events }: { events: RecentEvent[] }) {
  return (
    <table className="w-full table-fixed text-left text-sm" data-testid="recent-events">
      <thead className="text-xs uppercase text-slate-500 dark:text-slate-400">
        <tr>
          <th className="w-1/3 pb-2 font-medium">Event</th>
          <th className="w-1/4 pb-2 font-medium">Who</th>
          <th className="hidden pb-2 font-medium sm:table-cell">Page</th>
          <th className="w-1/3 pb-2 text-right font-medium sm:w-1/4">When</th>
        </tr>
      </thead>
      <tbody className="divide-y divide-slate-100 dark:divide-slate-800">
        {events.map((event) => (
          <tr key={event.id}>
            <td className="truncate py-2 font-medium" title={event.name}>
              {event.name}
            </td>
            <td className="truncate py-2 text-slate-600 dark:text-slate-300" title={event.username ?? event.anonymousId ?? ""}>
              {event.username ?? (event.anonymousId ? "visitor" : "—")}
            </td>
            <td className="hidden truncate py-2 text-slate-500 dark:text-slate-400 sm:table-cell" title={event.pageUrl ?? ""}>
              {event.pageUrl ?? "—"}
            </td>
            <td className="truncate py-2 text-right tabular-nums text-slate-500 dark:text-slate-400">
              <time dateTime={event.timestamp}>{timeFormat.format(new Date(event.timestamp))}</time>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
