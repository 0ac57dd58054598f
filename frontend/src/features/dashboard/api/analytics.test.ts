// @vitest-environment jsdom
import { afterEach, describe, expect, it, vi } from "vitest";

import { setUnauthorizedHandler } from "../../../lib/api-client";
import { analyticsKeys, exportUrl, fetchSummary, fetchTopPages, streamUrl, type AnalyticsParams } from "./analytics";
import { fetchWebBreakdown, fetchWebSummary } from "./web";
import { sameProjectPlaceholder } from "./queries";

afterEach(() => {
  vi.unstubAllGlobals();
  setUnauthorizedHandler(() => undefined);
});

const PARAMS: AnalyticsParams = { project: "shop", ageGroup: "All", gender: "All", tz: "Europe/Paris", startDate: "2026-12-01" };

describe("analytics requests", () => {
  it("name the project in the query and send a share token only as a header, never redirecting to sign-in", async () => {
    const onUnauthorized = vi.fn();
    setUnauthorizedHandler(onUnauthorized);
    const fetchMock = vi.fn(async () => new Response(JSON.stringify({ error: "revoked" }), { status: 401 }));
    vi.stubGlobal("fetch", fetchMock);
    await expect(fetchSummary({ ...PARAMS, shareToken: "obs_secret" })).rejects.toMatchObject({ status: 401 });
    const [url, init] = fetchMock.mock.calls[0] as unknown as [string, RequestInit];
    expect(url).toBe("/api/v1/analytics/summary?project=shop&ageGroup=All&gender=All&tz=Europe%2FParis&startDate=2026-12-01");
    expect(url).not.toContain("obs_secret");
    expect((init.headers as Record<string, string>)["X-Ouroboard-Share"]).toBe("obs_secret");
    expect(onUnauthorized).not.toHaveBeenCalled();
  });

  it("send no share header for a session, whose 401 still means signing in again", async () => {
    const onUnauthorized = vi.fn();
    setUnauthorizedHandler(onUnauthorized);
    const fetchMock = vi.fn(async () => new Response(JSON.stringify({ error: "expired" }), { status: 401 }));
    vi.stubGlobal("fetch", fetchMock);
    await expect(fetchSummary(PARAMS)).rejects.toMatchObject({ status: 401 });
    const init = (fetchMock.mock.calls[0] as unknown as [string, RequestInit])[1];
    expect((init.headers as Record<string, string>)["X-Ouroboard-Share"]).toBeUndefined();
    expect(onUnauthorized).toHaveBeenCalledTimes(1);
  });

  it("put the project in the export and stream URLs, and never a share token", () => {
    const shared = { ...PARAMS, shareToken: "obs_secret" };
    expect(exportUrl(shared)).toContain("project=shop");
    expect(exportUrl(shared)).not.toContain("obs_secret");
    expect(streamUrl(shared)).toBe("/api/v1/analytics/stream?project=shop&ageGroup=All&gender=All&tz=Europe%2FParis&startDate=2026-12-01");
  });
});

describe("web filters", () => {
  it("go to every analytics request, the export and the stream", async () => {
    const fetchMock = vi.fn(async () => new Response("{}", { status: 200 }));
    vi.stubGlobal("fetch", fetchMock);
    const filtered: AnalyticsParams = { ...PARAMS, country: "DE", utm_campaign: "spring", referrer: "(none)" };
    await fetchSummary(filtered);
    await fetchTopPages(filtered);
    await fetchWebSummary(filtered);
    await fetchWebBreakdown(filtered, "page");
    const urls = [...fetchMock.mock.calls.map((call) => (call as unknown as [string])[0]), exportUrl(filtered), streamUrl(filtered)];
    for (const url of urls) {
      expect(url).toContain("country=DE&utm_campaign=spring&referrer=%28none%29");
    }
    expect(urls[2]).toMatch(/^\/api\/v1\/analytics\/web\/summary\?/);
    expect(urls[3]).toMatch(/^\/api\/v1\/analytics\/web\/breakdown\?.*&by=page&limit=10$/);
  });
});

describe("query keys and placeholders", () => {
  it("key every answer by its project, second", () => {
    expect(analyticsKeys.summary(PARAMS).slice(0, 3)).toEqual(["analytics", "shop", "summary"]);
    expect(analyticsKeys.timeseries(PARAMS, "day", true)[1]).toBe("shop");
    expect(analyticsKeys.project("shop")).toEqual(["analytics", "shop"]);
  });

  it("keep a previous answer while filters change, but never another project's", () => {
    const placeholder = sameProjectPlaceholder(analyticsKeys.summary({ ...PARAMS, ageGroup: "<18" }));
    const previous = { totalEvents: 7 };
    expect(placeholder(previous, { queryKey: analyticsKeys.summary(PARAMS) })).toBe(previous);
    expect(placeholder(previous, { queryKey: analyticsKeys.summary({ ...PARAMS, project: "blog" }) })).toBeUndefined();
    expect(placeholder(undefined, undefined)).toBeUndefined();
  });
});
