import { useSummary } from "../api/queries";
import type { PanelQueryProps } from "./panelState";
import { CardsError, CardsLoading, SummaryCard as Card } from "./SummaryCard";

const numberFormat = new Intl.NumberFormat();

/** The headline figures, each with its change on the previous period. */
export function StatsCards({ params, poll }: PanelQueryProps) {
  const query = useSummary(params, poll);
  const summary = query.data;
  const error = query.error;
  if (error) return <CardsError what="the summary" error={error} onRetry={() => void query.refetch()} />;
  if (query.isPending || !summary) {
    return <CardsLoading count={4} label="Loading summary" className="grid grid-cols-2 gap-3 lg:grid-cols-4" />;
  }
  return (
    <div className="grid grid-cols-2 gap-3 lg:grid-cols-4">
      <Card label="Total events" value={numberFormat.format(summary.totalEvents)} change={summary.change.totalEvents} testId="card-total" />
      <Card
        label="Unique users"
        value={summary.uniqueUsers === null ? "—" : numberFormat.format(summary.uniqueUsers)}
        hint={summary.uniqueUsers === null ? "Too many events of this feature to count its users one by one: choose a shorter range" : undefined}
        change={summary.change.uniqueUsers}
        testId="card-users"
      />
      <Card
        label="Top feature"
        value={summary.topFeature && "name" in summary.topFeature ? summary.topFeature.name : "—"}
        change={summary.change.topFeature}
        testId="card-top"
      />
      <Card
        label="Daily average"
        value={numberFormat.format(summary.dailyAverage)}
        change={summary.change.dailyAverage}
        testId="card-average"
      />
    </div>
  );
}
