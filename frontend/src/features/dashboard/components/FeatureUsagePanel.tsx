import { track } from "../../../lib/tracking";
import { useFeatureUsage } from "../api/queries";
import { FeatureBarChart } from "./charts/lazy";
import { ChartPanel } from "./ChartPanel";
import { queryState, type PanelQueryProps } from "./panelState";

interface FeatureUsagePanelProps extends PanelQueryProps {
  feature?: string;
  onFeatureChange: (feature: string | undefined) => void;
}

/** Events per feature; clicking a bar filters the trend (and the rest) to that feature. */
export function FeatureUsagePanel({ params, poll, feature, onFeatureChange }: FeatureUsagePanelProps) {
  const bars = useFeatureUsage(params, poll);

  function selectFeature(selected: string) {
    track("bar_chart_click", { feature: selected });
    onFeatureChange(selected === feature ? undefined : selected);
  }

  function clearFeature() {
    track("feature_clear", { feature });
    onFeatureChange(undefined);
  }

  return (
    <ChartPanel
      title="Feature usage"
      className="xl:col-span-2"
      testId="panel-features"
      {...queryState(bars, (data) => data.barChartData.length === 0)}
      actions={
        feature ? (
          <span className="inline-flex max-w-full items-center gap-1 rounded-full bg-amber-100 px-2.5 py-1 text-xs font-medium text-amber-900 dark:bg-amber-900/40 dark:text-amber-200" data-testid="feature-chip">
            <span className="truncate">{feature}</span>
            <button type="button" onClick={clearFeature} aria-label="Clear feature filter" className="rounded-full px-1 hover:bg-amber-200 dark:hover:bg-amber-800">
              ×
            </button>
          </span>
        ) : (
          <span className="text-xs text-slate-400">Click a bar to see its trend</span>
        )
      }
    >
      <FeatureBarChart data={bars.data?.barChartData ?? []} selected={feature} onSelect={selectFeature} />
    </ChartPanel>
  );
}
