import { Panel } from "../../../components/layout/Panel";
import { useRecentEvents } from "../api/queries";
import { queryState, type PanelQueryProps } from "./panelState";
import { RecentEventsTable } from "./RecentEventsTable";

/** The latest events, this dashboard's own clicks included. */
export function RecentEventsPanel({ params, poll }: PanelQueryProps) {
  const recent = useRecentEvents(params, poll);
  return (
    <Panel
      title="Recent events"
      {...queryState(recent, (data) => data.events.length === 0)}
      emptyMessage="Nothing yet. Every click on this dashboard shows up here within seconds."
    >
      <RecentEventsTable events={recent.data?.events ?? []} />
    </Panel>
  );
}
