import { Suspense } from "react";

import { ChartSkeleton, Panel, type PanelProps } from "../../../components/layout/Panel";

const EMPTY_HINT = "No events match these filters. Widen the date range or reset the filters.";

/** A panel around a lazily loaded chart: a chart-sized skeleton until both data and chart code arrive. */
export function ChartPanel({ children, ...panel }: Omit<PanelProps, "emptyMessage" | "skeleton">) {
  return (
    <Panel {...panel} emptyMessage={EMPTY_HINT} skeleton={<ChartSkeleton />}>
      <Suspense fallback={<ChartSkeleton />}>{children}</Suspense>
    </Panel>
  );
}
