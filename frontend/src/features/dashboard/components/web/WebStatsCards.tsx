import { useWebSummary } from "../../api/queries";
import type { WebMeasure } from "../../api/web";
import { formatMeasure } from "../../utils/webFormat";
import type { PanelQueryProps } from "../panelState";
import { CardsError, CardsLoading, SummaryCard } from "../SummaryCard";

/** The web cards, in reading order; bounce rate is the one where a fall is good news. */
const CARDS: { measure: WebMeasure; label: string; testId: string; lowerIsBetter?: boolean }[] = [
  { measure: "visitors", label: "Visitors", testId: "web-card-visitors" },
  { measure: "visits", label: "Visits", testId: "web-card-visits" },
  { measure: "pageviews", label: "Pageviews", testId: "web-card-pageviews" },
  { measure: "viewsPerVisit", label: "Views per visit", testId: "web-card-views-per-visit" },
  { measure: "bounceRate", label: "Bounce rate", testId: "web-card-bounce-rate", lowerIsBetter: true },
  { measure: "visitDuration", label: "Visit duration", testId: "web-card-visit-duration" },
];
const GRID = "grid grid-cols-2 gap-3 md:grid-cols-3 xl:grid-cols-6";
const numberFormat = new Intl.NumberFormat();

/** Visitors, visits, pageviews and the visit figures, each against the previous period;
 * below them, how many bot events the figures leave out. */
export function WebStatsCards({ params, poll }: PanelQueryProps) {
  const query = useWebSummary(params, poll);
  const summary = query.data;
  if (query.error) return <CardsError what="the website summary" error={query.error} onRetry={() => void query.refetch()} />;
  if (query.isPending || !summary) return <CardsLoading count={CARDS.length} label="Loading website summary" className={GRID} />;
  return (
    <div className="flex flex-col gap-1" data-testid="web-cards">
      <div className={GRID}>
        {CARDS.map((card) => (
          <SummaryCard
            key={card.measure}
            label={card.label}
            value={formatMeasure(card.measure, summary.current)}
            change={summary.change[card.measure]}
            lowerIsBetter={card.lowerIsBetter}
            testId={card.testId}
          />
        ))}
      </div>
      <p className="text-right text-xs text-slate-500 dark:text-slate-400" data-testid="web-bot-events">
        {numberFormat.format(summary.botEvents)} bot {summary.botEvents === 1 ? "event" : "events"} excluded
      </p>
    </div>
  );
}
