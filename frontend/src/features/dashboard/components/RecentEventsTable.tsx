import { Table, type Column } from "../../../components/table/Table";
import type { RecentEvent } from "../api/analytics";

const COLUMNS: Column[] = [
  { label: "Event", className: "w-1/3" },
  { label: "Who", className: "w-1/4" },
  { label: "Page", className: "hidden sm:table-cell" },
  { label: "When", className: "w-1/3 text-right sm:w-1/4" },
];
const timeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "medium" });

export function RecentEventsTable({ events }: { events: RecentEvent[] }) {
  return (
    <Table columns={COLUMNS} testId="recent-events">
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
    </Table>
  );
}
