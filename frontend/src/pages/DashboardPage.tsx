import { useQueryClient, type UseQueryResult } from "@tanstack/react-query";
import { Suspense, useMemo, useRef, useState } from "react";
import { useNavigate } from "react-router";

import { analyticsKeys, exportUrl, type Breakdown, type Granularity } from "../api/analytics";
import type { User } from "../api/auth";
import {
  useBreakdown,
  useFeatureBars,
  useRecentEvents,
  useSummary,
  useTopPages,
  useTrend,
} from "../api/useAnalytics";
import { useCurrentUser, useLogout } from "../auth/useSession";
import { StatsCards } from "../components/cards/StatsCards";
import { BreakdownChart, FeatureBarChart, TrendChart } from "../components/charts/lazy";
import { FilterBar } from "../components/filters/FilterBar";
import { Header } from "../components/layout/Header";
import { ChartSkeleton, Panel, Skeleton } from "../components/layout/Panel";
import { RecentEventsTable } from "../components/tables/RecentEvents";
import { TopPagesTable } from "../components/tables/TopPages";
import { isoDate, rangeDays, toApiParams } from "../filters/filters";
import { useDashboardFilters } from "../filters/useDashboardFilters";
import { useLiveStream } from "../live/useLiveStream";
import { useTheme } from "../theme/useTheme";
import { eventQueue, track } from "../tracking";

const EMPTY_HINT = "No events match these filters. Widen the date range or reset the filters.";

export function DashboardPage() {
  const { data: user } = useCurrentUser();
  // RequireAuth renders this page only for a known user.
  return user ? <Dashboard user={user} /> : null;
}

function Dashboard({ user }: { user: User }) {
  const { filters, update, reset } = useDashboardFilters(user.id);
  const { theme, toggle } = useTheme();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const logoutMutation = useLogout();
  const [compare, setCompare] = useState(true);
  const hoveredFor = useRef<string | null>(null);

  const today = isoDate(new Date());
  // Recomputed when the filters or the calendar day change.
  const params = useMemo(() => toApiParams(filters), [filters, today]); // eslint-disable-line react-hooks/exhaustive-deps
  const granularity: Granularity = rangeDays(filters) <= 2 ? "hour" : "day";
  const canCompare = filters.preset !== "all";
  const { state: liveState, pollInterval } = useLiveStream(params);

  const bars = useFeatureBars(params, pollInterval);
  const summary = useSummary(params, pollInterval);
  const trend = useTrend(params, granularity, compare && canCompare, pollInterval);
  const byAge = useBreakdown(params, "age_group", pollInterval);
  const byGender = useBreakdown(params, "gender", pollInterval);
  const topPages = useTopPages(params, pollInterval);
  const recent = useRecentEvents(params, pollInterval);
  const dark = theme === "dark";
  const refreshing = queryClient.isFetching({ queryKey: analyticsKeys.all }) > 0;

  function selectFeature(feature: string) {
    track("bar_chart_click", { feature });
    update({ feature: feature === filters.feature ? undefined : feature });
  }

  function clearFeature() {
    track("feature_clear", { feature: filters.feature });
    update({ feature: undefined });
  }

  function firstHover() {
    const key = `${filters.feature ?? "*"}|${params.startDate ?? ""}|${params.endDate ?? ""}`;
    if (hoveredFor.current === key) return;
    hoveredFor.current = key;
    track("line_chart_hover", { feature: filters.feature ?? "all" });
  }

  async function signOut() {
    // Deliver this session's events while the session still exists.
    track("sign_out");
    await eventQueue.flush();
    eventQueue.setEnabled(false);
    logoutMutation.mutate(undefined, { onSettled: () => navigate("/login", { replace: true }) });
  }

  return (
    <div className="min-h-screen overflow-x-hidden">
      <Header
        username={user.username}
        liveState={liveState}
        theme={theme}
        refreshing={refreshing}
        onRefresh={() => {
          track("refresh_data");
          void queryClient.invalidateQueries({ queryKey: analyticsKeys.all });
        }}
        onToggleTheme={() => {
          track("theme_toggle", { theme: dark ? "light" : "dark" });
          toggle();
        }}
        onLogout={() => void signOut()}
        loggingOut={logoutMutation.isPending}
      />
      <main className="mx-auto flex max-w-screen-2xl flex-col gap-4 px-3 py-4 sm:px-6">
        <div className="flex flex-wrap items-center justify-between gap-2">
          <h1 className="text-xl font-semibold">Product analytics</h1>
          <a
            href={exportUrl(params)}
            download
            className="btn-secondary"
            data-testid="export-csv"
            onClick={() => track("export_csv", { kind: "events" })}
          >
            Export CSV
          </a>
        </div>
        <FilterBar filters={filters} onChange={update} onReset={reset} />
        <StatsCards summary={summary.data} isLoading={summary.isPending} error={summary.error} onRetry={() => void summary.refetch()} />

        <div className="grid grid-cols-1 gap-4 xl:grid-cols-5">
          <Panel
            title="Feature usage"
            className="xl:col-span-2"
            testId="panel-features"
            isLoading={bars.isPending}
            error={bars.error}
            isEmpty={(bars.data?.barChartData.length ?? 0) === 0}
            emptyMessage={EMPTY_HINT}
            onRetry={() => void bars.refetch()}
            skeleton={<ChartSkeleton />}
            actions={
              filters.feature ? (
                <span className="inline-flex max-w-full items-center gap-1 rounded-full bg-amber-100 px-2.5 py-1 text-xs font-medium text-amber-900 dark:bg-amber-900/40 dark:text-amber-200" data-testid="feature-chip">
                  <span className="truncate">{filters.feature}</span>
                  <button type="button" onClick={clearFeature} aria-label="Clear feature filter" className="rounded-full px-1 hover:bg-amber-200 dark:hover:bg-amber-800">
                    ×
                  </button>
                </span>
              ) : (
                <span className="text-xs text-slate-400">Click a bar to see its trend</span>
              )
            }
          >
            <Suspense fallback={<ChartSkeleton />}>
              <FeatureBarChart data={bars.data?.barChartData ?? []} selected={filters.feature} onSelect={selectFeature} dark={dark} />
            </Suspense>
          </Panel>

          <Panel
            title={filters.feature ? `Trend: ${filters.feature}` : "Trend: all features"}
            className="xl:col-span-3"
            testId="panel-trend"
            isLoading={trend.isPending}
            error={trend.error}
            isEmpty={(trend.data?.series.length ?? 0) === 0}
            emptyMessage={EMPTY_HINT}
            onRetry={() => void trend.refetch()}
            skeleton={<ChartSkeleton />}
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
            <Suspense fallback={<ChartSkeleton />}>
              <TrendChart
                series={trend.data?.series ?? []}
                previous={trend.data?.previous ?? null}
                granularity={trend.data?.granularity ?? granularity}
                label={filters.feature ?? "All features"}
                onFirstHover={firstHover}
                dark={dark}
              />
            </Suspense>
          </Panel>
        </div>

        <div className="grid grid-cols-1 gap-4 md:grid-cols-2 xl:grid-cols-4">
          <BreakdownPanel title="By age group" query={byAge} dark={dark} testId="breakdown-age" />
          <BreakdownPanel title="By gender" query={byGender} dark={dark} testId="breakdown-gender" />
          <Panel
            title="Top pages"
            className="md:col-span-2"
            isLoading={topPages.isPending}
            error={topPages.error}
            isEmpty={(topPages.data?.pages.length ?? 0) === 0}
            emptyMessage="No page views in this range yet. Embed /t.js on a site to see its pages."
            onRetry={() => void topPages.refetch()}
          >
            <TopPagesTable pages={topPages.data?.pages ?? []} />
          </Panel>
        </div>

        <Panel
          title="Recent events"
          isLoading={recent.isPending}
          error={recent.error}
          isEmpty={(recent.data?.events.length ?? 0) === 0}
          emptyMessage="Nothing yet. Every click on this dashboard shows up here within seconds."
          onRetry={() => void recent.refetch()}
        >
          <RecentEventsTable events={recent.data?.events ?? []} />
        </Panel>
      </main>
    </div>
  );
}

/** A small chart of events per age group or gender, with the panel's states. */
function BreakdownPanel({
  title,
  query,
  dark,
  testId,
}: {
  title: string;
  query: UseQueryResult<Breakdown>;
  dark: boolean;
  testId: string;
}) {
  return (
    <Panel
      title={title}
      isLoading={query.isPending}
      error={query.error}
      isEmpty={(query.data?.items.length ?? 0) === 0}
      emptyMessage="No events to break down."
      onRetry={() => void query.refetch()}
      skeleton={<Skeleton lines={3} height="h-6" />}
    >
      <Suspense fallback={<Skeleton lines={3} height="h-6" />}>
        <BreakdownChart items={query.data?.items ?? []} dark={dark} testId={testId} />
      </Suspense>
    </Panel>
  );
}
