// @vitest-environment jsdom
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { cleanup, render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import type { ReactNode } from "react";
import { afterEach, describe, expect, it, vi } from "vitest";

import { setTracker } from "../../../../lib/tracking";
import type { AnalyticsParams } from "../../api/analytics";
import type { WebBreakdown, WebSummary } from "../../api/web";
import { CountriesPanel } from "./CountriesPanel";
import { SourcesPanel } from "./SourcesPanel";
import { WebFilterChips } from "./WebFilterChips";
import { WebStatsCards } from "./WebStatsCards";

const PARAMS: AnalyticsParams = { project: "site", ageGroup: "All", gender: "All", tz: "UTC", country: "DE" };

afterEach(() => {
  cleanup();
  setTracker(null);
  vi.unstubAllGlobals();
});

function trackInto() {
  const tracked = vi.fn();
  setTracker({ track: tracked, flush: async () => undefined, setEnabled: () => undefined });
  return tracked;
}

/** Answers each request by its path's last part and `by`, and records the URLs asked. */
function stubApi(answer: (path: string, search: URLSearchParams) => unknown) {
  const urls: string[] = [];
  vi.stubGlobal(
    "fetch",
    vi.fn(async (input: string) => {
      urls.push(input);
      const url = new URL(input, "http://localhost");
      return new Response(JSON.stringify(answer(url.pathname, url.searchParams)), { status: 200 });
    }),
  );
  return urls;
}

function withQueries(node: ReactNode) {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  return render(<QueryClientProvider client={client}>{node}</QueryClientProvider>);
}

function breakdown(by: string, rows: [string | null, number][], metric: "visits" | "pageviews" = "visits"): WebBreakdown {
  const total = rows.reduce((sum, [, count]) => sum + count, 0);
  return {
    by,
    metric,
    total,
    cached: false,
    rows: rows.map(([value, count]) => ({ value, count, percentage: (count / total) * 100, visitors: count })),
  };
}

describe("web breakdown panels", () => {
  it("list countries with flag and name, filter by a clicked row, and send the filters", async () => {
    const tracked = trackInto();
    const urls = stubApi(() => breakdown("country", [["DE", 3], [null, 1]]));
    const onFilter = vi.fn();
    withQueries(<CountriesPanel params={PARAMS} poll={false} onFilter={onFilter} />);

    const germany = await screen.findByRole("button", { name: /^Country Germany \(DE\): 3 visits, 75%/ });
    expect(germany.textContent).toContain("🇩🇪");
    await userEvent.setup().click(germany);
    expect(onFilter).toHaveBeenLastCalledWith("country", "DE");
    await userEvent.setup().click(screen.getByRole("button", { name: /^Country unknown: 1 visits/ }));
    expect(onFilter).toHaveBeenLastCalledWith("country", null);
    expect(tracked).toHaveBeenCalledWith("web_filter_add", { dimension: "country", panel: "countries" });

    const asked = new URL(urls[0] ?? "", "http://localhost");
    expect(asked.pathname).toBe("/api/v1/analytics/web/breakdown");
    expect(Object.fromEntries(asked.searchParams)).toMatchObject({ project: "site", by: "country", country: "DE", limit: "10" });
  });

  it("switch tabs (and the UTM field) to other breakdowns, tracking each switch", async () => {
    const tracked = trackInto();
    stubApi((_path, search) => breakdown(search.get("by") ?? "", [[`${search.get("by")}-top`, 2]]));
    withQueries(<SourcesPanel params={PARAMS} poll={false} onFilter={vi.fn()} />);
    const user = userEvent.setup();

    expect(await screen.findByRole("button", { name: /^Channel channel-top/ })).toBeTruthy();
    await user.click(screen.getByRole("tab", { name: "Campaigns" }));
    expect(await screen.findByRole("button", { name: /^Campaign utm_campaign-top/ })).toBeTruthy();
    expect(screen.getByRole("tab", { name: "Campaigns" }).getAttribute("aria-selected")).toBe("true");
    await user.keyboard("{ArrowRight}");
    expect(await screen.findByRole("button", { name: /^UTM source utm_source-top/ })).toBeTruthy();
    await user.selectOptions(screen.getByLabelText("UTM parameter"), "utm_medium");
    expect(await screen.findByRole("button", { name: /^UTM medium utm_medium-top/ })).toBeTruthy();
    expect(tracked.mock.calls.filter(([name]) => name === "web_tab_change").map(([, props]) => props)).toEqual([
      { panel: "sources", tab: "campaigns" },
      { panel: "sources", tab: "utm" },
      { panel: "sources", tab: "utm_medium" },
    ]);
  });

  it("say so when nothing matches the filters", async () => {
    stubApi(() => breakdown("country", []));
    withQueries(<CountriesPanel params={PARAMS} poll={false} onFilter={vi.fn()} />);
    expect(await screen.findByText("No data for these filters")).toBeTruthy();
  });
});

describe("web cards", () => {
  it("show each figure with its change, bounce rate falling as good news, and the bots left out", async () => {
    const summary: WebSummary = {
      current: { visitors: 12, visits: 15, pageviews: 40, viewsPerVisit: 2.67, bounceRate: 20, visitDuration: 185 },
      previous: { visitors: 6, visits: 10, pageviews: 20, viewsPerVisit: 2, bounceRate: 40, visitDuration: 100 },
      change: { visitors: 100, visits: 50, pageviews: 100, viewsPerVisit: 33.5, bounceRate: -50, visitDuration: null },
      botEvents: 7,
      webTraffic: true,
      cached: false,
    };
    stubApi(() => summary);
    withQueries(<WebStatsCards params={PARAMS} poll={false} />);
    expect((await screen.findByTestId("web-card-visitors")).textContent).toBe("12");
    expect(screen.getByTestId("web-card-visit-duration").textContent).toBe("3m 05s");
    expect(screen.getByTestId("web-bot-events").textContent).toBe("7 bot events excluded");
    const bounce = screen.getByLabelText("down 50% on the previous period");
    expect(bounce.className).toContain("emerald");
    for (const rise of screen.getAllByLabelText("up 100% on the previous period")) expect(rise.className).toContain("emerald");
  });
});

describe("web filter chips", () => {
  it("show one chip per filter, and remove the one whose × is clicked", async () => {
    const tracked = trackInto();
    const onRemove = vi.fn();
    withQueries(<WebFilterChips filters={{ country: "DE", referrer: "(none)" }} onRemove={onRemove} />);
    const chips = within(screen.getByRole("list", { name: "Active website filters" })).getAllByRole("listitem");
    expect(chips.map((chip) => chip.textContent)).toEqual(["Referrer is (none)×", "Country is DE×"]);
    await userEvent.setup().click(screen.getByRole("button", { name: "Remove filter: Country is DE" }));
    expect(onRemove).toHaveBeenCalledWith("country");
    expect(tracked).toHaveBeenCalledWith("web_filter_remove", { dimension: "country" });
  });

  it("show nothing without filters", async () => {
    const { container } = withQueries(<WebFilterChips filters={{}} onRemove={vi.fn()} />);
    await waitFor(() => expect(container.textContent).toBe(""));
  });
});
