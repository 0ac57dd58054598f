import { useRef, useState } from "react";

import { track } from "../../../lib/tracking";
import type { Granularity } from "../api/analytics";
import { useTrend } from "../api/queries";
import { rangeDays, type DashboardFilters } from "../utils/filters";
import { TrendChart } from "./charts/lazy";
import { ChartPanel } from "./ChartPanel";
import { queryState, type PanelQueryProps } from "./panelState";

/** Events over time for the selected feature (or all), optionally against the previous period. */
export function TrendPanel({ params, poll, filters }: PanelQueryProps & { filters: DashboardFilters }) {
  const [compare, setCompare] = useState(true);
  const hoveredFor = useRef<string | null>(null);
  const granularity: Granularity = rangeDays(filters) <= 2 ? "hour" : "day";
  const canCompare = filters.preset !== "all";
  const trend = useTrend(params, granularity, compare && canCompare, poll);

  function firstHover() {
    // One hover event per feature and range, not one per mouse move.
    const key = `${filters.feature ?? "*"}|${params.startDate ?? ""}|${params.endDate ?? ""}`;
    if (hoveredFor.current === key) return;
    hoveredFor.current = key;
    track("line_chart_hover", { feature: filters.feature ?? "all" });
  }

  return (
    <ChartPanel
      title={filters.feature ? `Trend: ${filters.feature}` : "Trend: all features"}
      className="xl:col-span-3"
      testId="panel-trend"
      {...queryState(trend, (data) => data.series.length === 0)}
      actions={
        <label className="flex items-center gap-2 text-xs text-slate-500 dark:text-slate-400">
          <input
            type="checkbox"
            checked={compare && canCompare}
            disabled={!canCompare}
            onChange={(event) => setCompare(event.target.checked)}
            className="rounded border-slate-300 text-indigo-600 focus-visible:ring-indigo-500"
          />
          Compare with previous period
        </label>
      }
    >
      <TrendChart
        series={trend.data?.series ?? []}
        previous={trend.data?.previous ?? null}
        granularity={trend.data?.granularity ?? granularity}
        label={filters.feature ?? "All features"}
        onFirstHover={firstHover}
      />
    </ChartPanel>
  );
}
