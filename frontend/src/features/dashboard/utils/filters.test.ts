// @vitest-environment jsdom
import Cookies from "js-cookie";
import { afterEach, describe, expect, it } from "vitest";

import {
  DEFAULT_FILTERS,
  cookieName,
  dateRange,
  fromSearchParams,
  loadFilters,
  mergeFilterParams,
  rangeDays,
  sanitize,
  saveFilters,
  toApiParams,
  toSearchParams,
  todayIn,
  type DashboardFilters,
} from "./filters";
import { initialFilters } from "../hooks/useDashboardFilters";

const TODAY = new Date(2026, 2, 15, 13, 0); // 15 March 2026, local time

afterEach(() => {
  for (const name of Object.keys(Cookies.get())) Cookies.remove(name, { path: "/" });
});

describe("date presets", () => {
  it.each([
    ["today", "2026-03-15", 1],
    ["7d", "2026-03-09", 7],
    ["30d", "2026-02-14", 30],
    ["90d", "2025-12-16", 90],
    ["12m", "2025-03-16", 365],
  ] as const)("%s starts on %s and spans %i days", (preset, start, days) => {
    const filters: DashboardFilters = { ...DEFAULT_FILTERS, preset };
    expect(dateRange(filters, TODAY)).toEqual({ startDate: start, endDate: "2026-03-15" });
    expect(rangeDays(filters, TODAY)).toBe(days);
  });

  it("sends no dates for all time, and custom dates as given", () => {
    expect(dateRange({ ...DEFAULT_FILTERS, preset: "all" }, TODAY)).toEqual({});
    const custom: DashboardFilters = { ...DEFAULT_FILTERS, preset: "custom", startDate: "2026-01-01", endDate: "2026-01-02" };
    expect(dateRange(custom, TODAY)).toEqual({ startDate: "2026-01-01", endDate: "2026-01-02" });
    expect(rangeDays(custom, TODAY)).toBe(2);
  });

  it("builds API parameters with the time zone", () => {
    const params = toApiParams({ preset: "7d", ageGroup: "18-40", gender: "Female", feature: "date_filter" }, TODAY, "Europe/Paris");
    expect(params).toEqual({
      startDate: "2026-03-09",
      endDate: "2026-03-15",
      ageGroup: "18-40",
      gender: "Female",
      feature: "date_filter",
      tz: "Europe/Paris",
    });
  });
});

describe("URL round-trip", () => {
  it("writes only non-default values and reads them back", () => {
    const filters: DashboardFilters = { preset: "custom", startDate: "2026-02-01", endDate: "2026-02-10", ageGroup: "<18", gender: "Other", feature: "bar_chart_click" };
    const search = toSearchParams(filters);
    expect(search.toString()).toBe("preset=custom&startDate=2026-02-01&endDate=2026-02-10&ageGroup=%3C18&gender=Other&feature=bar_chart_click");
    expect(fromSearchParams(search)).toEqual(filters);
    expect(toSearchParams(DEFAULT_FILTERS).toString()).toBe("");
  });

  it("ignores values that are not allowed", () => {
    const filters = fromSearchParams(new URLSearchParams("preset=forever&ageGroup=old&gender=x&feature=<script>"));
    expect(filters).toEqual(DEFAULT_FILTERS);
    expect(sanitize({ preset: "custom", startDate: "2026-05-01", endDate: "2026-04-01" }).preset).toBe("30d");
  });
});

describe("the project beside the filters", () => {
  it("keeps the project first and replaces only the filters", () => {
    const current = new URLSearchParams("project=shop&preset=7d&gender=Male");
    const merged = mergeFilterParams(current, { ...DEFAULT_FILTERS, ageGroup: "<18" });
    expect(merged.toString()).toBe("project=shop&ageGroup=%3C18");
    expect(mergeFilterParams(new URLSearchParams(), DEFAULT_FILTERS).toString()).toBe("");
  });

  it("counts today in the project's zone", () => {
    const lateInUtc = new Date(Date.UTC(2026, 11, 31, 23, 30)); // 31 Dec 23:30 UTC
    expect(todayIn("Asia/Tokyo", lateInUtc)).toEqual(new Date(2027, 0, 1));
    expect(todayIn("America/New_York", lateInUtc)).toEqual(new Date(2026, 11, 31));
    expect(todayIn("Not/AZone", lateInUtc).getHours()).toBe(0);
  });
});

describe("cookie persistence", () => {
  it("saves and restores filters per user", () => {
    const mine: DashboardFilters = { preset: "90d", ageGroup: ">40", gender: "Male" };
    saveFilters(7, mine);
    saveFilters(8, { ...DEFAULT_FILTERS, gender: "Female" });
    expect(Cookies.get(cookieName(7))).toBeDefined();
    expect(loadFilters(7)).toEqual(mine);
    expect(loadFilters(8)?.gender).toBe("Female");
    expect(loadFilters(9)).toBeNull();
  });

  it("survives a corrupted cookie", () => {
    Cookies.set(cookieName(3), "{not json");
    expect(loadFilters(3)).toBeNull();
  });

  it("prefers a link's filters, then the cookie, then defaults", () => {
    saveFilters(5, { preset: "7d", ageGroup: "<18", gender: "All" });
    expect(initialFilters(new URLSearchParams("gender=Male"), 5)).toEqual({ preset: "30d", ageGroup: "All", gender: "Male" });
    expect(initialFilters(new URLSearchParams(""), 5)).toEqual({ preset: "7d", ageGroup: "<18", gender: "All" });
    expect(initialFilters(new URLSearchParams(""), 6)).toEqual(DEFAULT_FILTERS);
  });
});

describe("web filters in the dashboard URL", () => {
  const withWeb: DashboardFilters = { ...DEFAULT_FILTERS, preset: "7d", web: { country: "DE", utm_campaign: "spring sale", page: "/pricing" } };

  it("round-trip through the URL under the API's names", () => {
    const search = toSearchParams(withWeb);
    expect(search.toString()).toBe("preset=7d&utm_campaign=spring+sale&country=DE&page=%2Fpricing");
    expect(fromSearchParams(search)).toEqual(withWeb);
    expect(fromSearchParams(new URLSearchParams("referrer=(none)")).web).toEqual({ referrer: "(none)" });
  });

  it("are filters of their own: a link with only one opens on it", () => {
    expect(initialFilters(new URLSearchParams("project=shop&device=mobile"), null)).toEqual({ ...DEFAULT_FILTERS, web: { device: "mobile" } });
  });

  it("replace the URL's earlier web filters, and go when removed", () => {
    const current = new URLSearchParams("project=shop&country=FR&os=iOS");
    expect(mergeFilterParams(current, withWeb).toString()).toBe("project=shop&preset=7d&utm_campaign=spring+sale&country=DE&page=%2Fpricing");
    expect(mergeFilterParams(current, { ...DEFAULT_FILTERS, web: {} }).toString()).toBe("project=shop");
  });

  it("go to the API beside the other filters", () => {
    const params = toApiParams(withWeb, TODAY, "UTC");
    expect(params).toMatchObject({ country: "DE", utm_campaign: "spring sale", page: "/pricing", tz: "UTC", startDate: "2026-03-09" });
    expect(Object.keys(toApiParams(DEFAULT_FILTERS, TODAY, "UTC"))).not.toContain("country");
  });

  it("stay out of the cookie, which every project shares", () => {
    saveFilters(11, withWeb);
    expect(Cookies.get(cookieName(11))).not.toContain("pricing");
    expect(loadFilters(11)).toEqual({ ...DEFAULT_FILTERS, preset: "7d" });
    Cookies.set(cookieName(12), JSON.stringify({ ...DEFAULT_FILTERS, web: { country: "DE" } }));
    expect(loadFilters(12)?.web).toBeUndefined();
  });
});

describe("person filters in the dashboard URL", () => {
  const withPerson: DashboardFilters = { ...DEFAULT_FILTERS, web: { country: "DE", "person:plan": "pro", "person:beta": "true" } };

  it("round-trip through the URL as person:<trait>, after the web filters", () => {
    const search = toSearchParams(withPerson);
    expect(search.toString()).toBe("country=DE&person%3Abeta=true&person%3Aplan=pro");
    expect(fromSearchParams(search)).toEqual(withPerson);
    expect(fromSearchParams(new URLSearchParams("person:plan=(none)")).web).toEqual({ "person:plan": "(none)" });
  });

  it("open a link on their own, replace earlier ones, and go to the API", () => {
    expect(initialFilters(new URLSearchParams("project=shop&person:plan=pro"), null)).toEqual({ ...DEFAULT_FILTERS, web: { "person:plan": "pro" } });
    const current = new URLSearchParams("project=shop&person:plan=free&person:seats=3");
    expect(mergeFilterParams(current, withPerson).toString()).toBe("project=shop&country=DE&person%3Abeta=true&person%3Aplan=pro");
    expect(toApiParams(withPerson, TODAY, "UTC")).toMatchObject({ "person:plan": "pro", "person:beta": "true", country: "DE" });
  });
});
