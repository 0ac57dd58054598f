import { Suspense } from "react";

import { Panel, Skeleton } from "../../../components/layout/Panel";
import { useBreakdown } from "../api/queries";
import { BreakdownChart } from "./charts/lazy";
import { queryState, type PanelQueryProps } from "./panelState";

interface BreakdownPanelProps extends PanelQueryProps {
  title: string;
  /** What to break the events down by: age_group or gender. */
  by: string;
  testId: string;
}

/** A small chart of events per age group or gender, with the panel's states. */
export function BreakdownPanel({ params, poll, title, by, testId }: BreakdownPanelProps) {
  const query = useBreakdown(params, by, poll);
  return (
    <Panel
      title={title}
      {...queryState(query, (data) => data.items.length === 0)}
      emptyMessage="No events to break down."
      skeleton={<Skeleton lines={3} height="h-6" />}
    >
      <Suspense fallback={<Skeleton lines={3} height="h-6" />}>
        <BreakdownChart items={query.data?.items ?? []} testId={testId} />
      </Suspense>
    </Panel>
  );
}
