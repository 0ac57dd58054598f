import { CountriesPanel } from "./CountriesPanel";
import { DevicesPanel } from "./DevicesPanel";
import { PagesPanel } from "./PagesPanel";
import { SourcesPanel } from "./SourcesPanel";
import type { WebPanelProps } from "./WebBreakdownPanel";
import { WebStatsCards } from "./WebStatsCards";

/** The website figures: the cards, then sources, pages, countries and devices. */
export function WebAnalytics({ params, poll, onFilter }: WebPanelProps) {
  const panel = { params, poll, onFilter };
  return (
    <section aria-label="Website analytics" className="flex flex-col gap-4" data-testid="web-analytics">
      <WebStatsCards params={params} poll={poll} />
      <div className="grid grid-cols-1 gap-4 lg:grid-cols-2">
        <SourcesPanel {...panel} />
        <PagesPanel {...panel} />
        <CountriesPanel {...panel} />
        <DevicesPanel {...panel} />
      </div>
    </section>
  );
}
