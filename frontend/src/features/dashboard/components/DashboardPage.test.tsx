// @vitest-environment jsdom
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { cleanup, render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { MemoryRouter, useLocation } from "react-router";
import { afterEach, describe, expect, it, vi } from "vitest";

import { setTracker } from "../../../lib/tracking";
import type { WebSummary } from "../api/web";
import type { DashboardProject } from "../hooks/useDashboardFilters";
import { DashboardPage } from "./DashboardPage";

afterEach(() => {
  cleanup();
  setTracker(null);
  vi.unstubAllGlobals();
});

const FIGURES = { visitors: 4, visits: 4, pageviews: 6, viewsPerVisit: 1.5, bounceRate: 50, visitDuration: 45 };
const NO_CHANGE = { visitors: null, visits: null, pageviews: null, viewsPerVisit: null, bounceRate: null, visitDuration: null };

/** Answers the web summary (with `webTraffic`) and a countries breakdown; every other panel
 * gets a 503, which it shows as its error. Returns the paths asked with their queries. */
function stubApi(webTraffic: boolean) {
  const asked: URL[] = [];
  vi.stubGlobal(
    "fetch",
    vi.fn(async (input: string) => {
      const url = new URL(input, "http://localhost");
      asked.push(url);
      const json = (body: unknown) => new Response(JSON.stringify(body), { status: 200 });
      if (url.pathname.endsWith("/web/summary")) {
        const summary: WebSummary = { current: FIGURES, previous: FIGURES, change: NO_CHANGE, botEvents: 0, webTraffic, cached: false };
        return json(summary);
      }
      if (url.pathname.endsWith("/web/breakdown")) {
        const by = url.searchParams.get("by");
        const rows = by === "country" ? [{ value: "DE", count: 3, percentage: 75, visitors: 3 }] : [];
        return json({ by, metric: by === "page" ? "pageviews" : "visits", rows, total: 4 });
      }
      return new Response(JSON.stringify({ error: "down" }), { status: 503 });
    }),
  );
  return asked;
}

function Search() {
  return <output data-testid="search">{useLocation().search}</output>;
}

function renderDashboard(project: DashboardProject, entry = "/?project=site") {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  return render(
    <QueryClientProvider client={client}>
      <MemoryRouter initialEntries={[entry]}>
        <DashboardPage project={project} />
        <Search />
      </MemoryRouter>
    </QueryClientProvider>,
  );
}

const SITE: DashboardProject = { slug: "site", name: "Site", timezone: "UTC", isSelfTracking: false };

describe("DashboardPage and the website panels", () => {
  it("opens a site's project on its web cards and panels, above the feature panels", async () => {
    stubApi(true);
    renderDashboard(SITE);
    const cards = await screen.findByTestId("web-cards");
    const features = screen.getByRole("region", { name: "Feature usage" });
    expect(cards.compareDocumentPosition(features) & Node.DOCUMENT_POSITION_FOLLOWING).toBeTruthy();
    expect(screen.queryByTestId("web-collapsed")).toBeNull();
  });

  it("folds the web panels below for a project without page views, and loads them when opened", async () => {
    const asked = stubApi(false);
    const tracked = vi.fn();
    setTracker({ track: tracked, flush: async () => undefined, setEnabled: () => undefined });
    renderDashboard(SITE);
    const folded = await screen.findByTestId("web-collapsed");
    expect(screen.queryByTestId("web-cards")).toBeNull();
    expect(asked.some((url) => url.pathname.endsWith("/web/breakdown"))).toBe(false);
    await userEvent.setup().click(screen.getByText("Website analytics"));
    expect(folded.hasAttribute("open")).toBe(true);
    expect(await screen.findByTestId("web-cards")).toBeTruthy();
    expect(tracked).toHaveBeenCalledWith("web_panels_open", undefined);
  });

  it("opens the self-tracking project on its features, asking nothing of the web until opened", async () => {
    const asked = stubApi(true);
    renderDashboard({ ...SITE, slug: "ouroboard", isSelfTracking: true });
    expect(await screen.findByTestId("web-collapsed")).toBeTruthy();
    await waitFor(() => expect(asked.length).toBeGreaterThan(3));
    expect(asked.filter((url) => url.pathname.includes("/web/"))).toEqual([]);
  });

  it("filters every request by a clicked country, shows its chip, and removes it", async () => {
    const asked = stubApi(true);
    renderDashboard(SITE, "/?project=site&preset=7d");
    const user = userEvent.setup();
    await user.click(await screen.findByRole("button", { name: /^Country Germany \(DE\)/ }));

    expect(screen.getByTestId("search").textContent).toBe("?project=site&preset=7d&country=DE");
    expect(await screen.findByTestId("web-chip-country")).toBeTruthy();
    await waitFor(() => expect(asked.some((url) => url.pathname.endsWith("/analytics/summary") && url.searchParams.get("country") === "DE")).toBe(true));

    await user.click(screen.getByRole("button", { name: "Remove filter: Country is DE" }));
    expect(screen.getByTestId("search").textContent).toBe("?project=site&preset=7d");
    expect(screen.queryByTestId("web-filter-chips")).toBeNull();
  });
});
