import type { ReactNode } from "react";

import { Header } from "../../../components/layout/Header";
import type { Schema } from "../../../lib/api-client";
import { useAnalyticsParams, useDashboardFilters, type DashboardProject } from "../hooks/useDashboardFilters";
import { useWebSummary } from "../api/queries";
import { useAccessLost } from "../hooks/useAccessLost";
import { useLiveStream } from "../hooks/useLiveStream";
import { BreakdownPanel } from "./BreakdownPanel";
import { ExportCsvLink } from "./ExportCsvLink";
import { FeatureUsagePanel } from "./FeatureUsagePanel";
import { FilterBar } from "./FilterBar";
import { LiveIndicator } from "./LiveIndicator";
import { RecentEventsPanel } from "./RecentEventsPanel";
import { RefreshButton } from "./RefreshButton";
import { StatsCards } from "./StatsCards";
import { ThemeToggle } from "./ThemeToggle";
import { TopPagesPanel } from "./TopPagesPanel";
import { TrendPanel } from "./TrendPanel";
import { WebAnalytics } from "./web/WebAnalytics";
import { WebFilterChips } from "./web/WebFilterChips";
import { CollapsedWebAnalytics } from "./web/CollapsedWebAnalytics";
import { WebStatsCards } from "./web/WebStatsCards";
import { useWebFilters } from "../hooks/useWebFilters";

interface DashboardPageProps {
  /** The project shown: every panel's request names it. */
  project: DashboardProject;
  /** The signed-in user, whose filters are remembered; none for a share link's visitor. */
  user?: Pick<Schema<"User">, "id" | "username">;
  /** Beside the brand: the project switcher (the app passes it). */
  switcher?: ReactNode;
  /** Controls at the right of the header: settings link and account menu (the app passes them). */
  account?: ReactNode;
  /** Read through a share link: sent as a header, no export, polling instead of the stream. */
  shareToken?: string;
  /** Called when a panel's answer says access ended (a revoked link, a removed member). */
  onAccessLost?: () => void;
}

/** The dashboard's layout: the filters, turned into API parameters, feed every panel. */
export function DashboardPage({ project, user, switcher, account, shareToken, onAccessLost }: DashboardPageProps) {
  const { filters, update, reset } = useDashboardFilters(user?.id ?? null);
  const params = useAnalyticsParams(filters, project, shareToken);
  const { state: liveState, pollInterval: poll } = useLiveStream(params);
  useAccessLost(project.slug, onAccessLost);
  const query = { params, poll };
  const web = useWebFilters(filters, update);
  // A website's project (it has page views) opens on its visitors; until the answer comes,
  // the web cards (loading) hold the top, as they will for most projects that have a site.
  // The self-tracking project's page views are the dashboard's own, not a site's: it opens
  // on its features, with its web panels folded below (and not asked for until opened).
  const selfTracking = Boolean(project.isSelfTracking);
  const webTraffic = useWebSummary(params, poll, !selfTracking).data?.webTraffic;
  const webFolded = selfTracking || webTraffic === false;

  return (
    <div className="min-h-screen overflow-x-hidden">
      <Header nav={switcher} status={<LiveIndicator state={liveState} />}>
        {user && (
          <span className="hidden text-sm text-slate-600 dark:text-slate-300 sm:inline" data-testid="current-user">
            {user.username}
          </span>
        )}
        <RefreshButton project={project.slug} />
        <ThemeToggle />
        {account}
      </Header>
      <main className="mx-auto flex max-w-screen-2xl flex-col gap-4 px-3 py-4 sm:px-6">
        <div className="flex flex-wrap items-center justify-between gap-2">
          <div className="min-w-0">
            <h1 className="truncate text-xl font-semibold" data-testid="project-name">
              {project.name}
            </h1>
            <p className="text-xs text-slate-500 dark:text-slate-400">
              {webTraffic ? "Website and product analytics" : "Product analytics"}{shareToken ? ", shared read-only" : ""} · days in {project.timezone}
            </p>
          </div>
          {!shareToken && <ExportCsvLink params={params} />}
        </div>
        <FilterBar filters={filters} onChange={update} onReset={reset} />
        <WebFilterChips filters={filters.web} onRemove={web.remove} />
        {!webFolded && (webTraffic ? <WebAnalytics {...query} onFilter={web.add} /> : <WebStatsCards {...query} />)}
        <StatsCards {...query} />

        <div className="grid grid-cols-1 gap-4 xl:grid-cols-5">
          <FeatureUsagePanel {...query} feature={filters.feature} onFeatureChange={(feature) => update({ feature })} />
          <TrendPanel {...query} filters={filters} />
        </div>

        <div className="grid grid-cols-1 gap-4 md:grid-cols-2 xl:grid-cols-4">
          <BreakdownPanel {...query} title="By age group" by="age_group" testId="breakdown-age" />
          <BreakdownPanel {...query} title="By gender" by="gender" testId="breakdown-gender" />
          <TopPagesPanel {...query} />
        </div>

        <RecentEventsPanel {...query} />
        {webFolded && (
          <CollapsedWebAnalytics
            {...query}
            onFilter={web.add}
            hint={selfTracking ? "the dashboard's own visitors" : "no page views yet: embed /t.js on a site to see its visitors"}
          />
        )}
      </main>
    </div>
  );
}
