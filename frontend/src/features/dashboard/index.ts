// The analytics dashboard: a page composed of panels, each with its own query.
export { preloadCharts } from "./components/charts/lazy";
export { DashboardPage } from "./components/DashboardPage";
export type { DashboardProject } from "./hooks/useDashboardFilters";
