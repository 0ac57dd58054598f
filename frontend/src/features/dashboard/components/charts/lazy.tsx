// Lazy entry points: Recharts arrives in its own chunk after the first paint.
//
// Not React.lazy: a lazy component suspends on its first render even when its chunk is long
// loaded, and React 19 holds a suspended boundary's content back until 300 ms after the last
// fallback shown. Each chart first renders when its data arrives, so every answer restarted
// that wait and the charts appeared together, well after the network had gone quiet. Here a
// chart suspends only while the chunk is really still on its way.
import { use, type ComponentProps } from "react";

type ChartsModule = typeof import("./Charts");

let chartsLoading: Promise<ChartsModule> | undefined;
let chartsLoaded: ChartsModule | undefined;

function loadCharts(): Promise<ChartsModule> {
  chartsLoading ??= import("./Charts").then((module) => {
    chartsLoaded = module;
    return module;
  });
  return chartsLoading;
}

/** Fetch the chart code ahead of time (the login page and every chart panel do, so the
 * charts draw as soon as their data arrives). */
export function preloadCharts(): void {
  void loadCharts();
}

/** The chart module: at once when loaded, else suspend until it is. */
function useCharts(): ChartsModule {
  return chartsLoaded ?? use(loadCharts());
}

export function FeatureBarChart(props: ComponentProps<ChartsModule["FeatureBarChart"]>) {
  const { FeatureBarChart: Chart } = useCharts();
  return <Chart {...props} />;
}

export function TrendChart(props: ComponentProps<ChartsModule["TrendChart"]>) {
  const { TrendChart: Chart } = useCharts();
  return <Chart {...props} />;
}

export function BreakdownChart(props: ComponentProps<ChartsModule["BreakdownChart"]>) {
  const { BreakdownChart: Chart } = useCharts();
  return <Chart {...props} />;
}
