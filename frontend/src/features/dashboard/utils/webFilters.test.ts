import { describe, expect, expectTypeOf, it } from "vitest";

import type { WebDimension } from "../api/web";
import type { QueryParams } from "../../../lib/api-client";

import {
  NONE_VALUE,
  WEB_FILTER_KEYS,
  type WebFilterKey,
  activeWebFilters,
  addWebFilter,
  chipLabel,
  isPersonFilterKey,
  removeWebFilter,
  sanitizeWebFilters,
  webFiltersFromSearch,
} from "./webFilters";

describe("web filters", () => {
  it("are the API's: each a breakdown and a parameter of every analytics endpoint (checked by tsc)", () => {
    expectTypeOf<WebFilterKey>().toEqualTypeOf<WebDimension>();
    expectTypeOf<WebFilterKey & keyof QueryParams<"/api/v1/analytics">>().toEqualTypeOf<WebFilterKey>();
    expectTypeOf<WebFilterKey & keyof QueryParams<"/api/v1/analytics/summary">>().toEqualTypeOf<WebFilterKey>();
    expectTypeOf<WebFilterKey & keyof QueryParams<"/api/v1/analytics/timeseries">>().toEqualTypeOf<WebFilterKey>();
    expectTypeOf<WebFilterKey & keyof QueryParams<"/api/v1/analytics/breakdown">>().toEqualTypeOf<WebFilterKey>();
    expectTypeOf<WebFilterKey & keyof QueryParams<"/api/v1/analytics/top-pages">>().toEqualTypeOf<WebFilterKey>();
    expectTypeOf<WebFilterKey & keyof QueryParams<"/api/v1/analytics/recent">>().toEqualTypeOf<WebFilterKey>();
    expectTypeOf<WebFilterKey & keyof QueryParams<"/api/v1/analytics/export.csv">>().toEqualTypeOf<WebFilterKey>();
    expectTypeOf<WebFilterKey & keyof QueryParams<"/api/v1/analytics/stream">>().toEqualTypeOf<WebFilterKey>();
    expectTypeOf<WebFilterKey & keyof QueryParams<"/api/v1/analytics/web/summary">>().toEqualTypeOf<WebFilterKey>();
    expect(WEB_FILTER_KEYS).toHaveLength(16);
  });

  it("add a row's value, replacing an earlier one of the same key", () => {
    const once = addWebFilter(undefined, "country", "DE");
    expect(once).toEqual({ country: "DE" });
    const twice = addWebFilter({ ...once, device: "mobile" }, "country", "FR");
    expect(twice).toEqual({ country: "FR", device: "mobile" });
  });

  it("filter a row without a value by (none)", () => {
    expect(addWebFilter({}, "referrer", null)).toEqual({ referrer: NONE_VALUE });
    expect(addWebFilter({}, "utm_campaign", "")).toEqual({ utm_campaign: "(none)" });
  });

  it("remove one filter and keep the others (a chip's ×)", () => {
    const filters = { country: "DE", page: "/pricing", utm_campaign: "spring" };
    expect(removeWebFilter(filters, "page")).toEqual({ country: "DE", utm_campaign: "spring" });
    expect(filters).toEqual({ country: "DE", page: "/pricing", utm_campaign: "spring" });
    expect(removeWebFilter(undefined, "country")).toEqual({});
    expect(removeWebFilter({ os: "iOS" }, "country")).toEqual({ os: "iOS" });
  });

  it("list active filters in a fixed order, and label their chips", () => {
    const active = activeWebFilters({ page: "/", country: "DE", channel: "Organic Search" });
    expect(active).toEqual([
      ["channel", "Organic Search"],
      ["country", "DE"],
      ["page", "/"],
    ]);
    expect(chipLabel("country", "DE")).toBe("Country is DE");
    expect(chipLabel("utm_campaign", "spring")).toBe("Campaign is spring");
    expect(activeWebFilters(undefined)).toEqual([]);
  });

  it("take countries and device types in the API's form, or (none)", () => {
    expect(sanitizeWebFilters({ country: "de", device: "Mobile" })).toEqual({ country: "DE", device: "mobile" });
    expect(sanitizeWebFilters({ country: "DEU", device: "phone" })).toEqual({});
    expect(sanitizeWebFilters({ country: "(none)", device: "(none)" })).toEqual({ country: "(none)", device: "(none)" });
  });

  it("read every filter from a URL, dropping unknown keys and unusable values", () => {
    const search = new URLSearchParams();
    for (const key of WEB_FILTER_KEYS) search.set(key, key === "country" ? "FR" : key === "device" ? "tablet" : `v-${key}`);
    search.set("colour", "red");
    expect(Object.keys(webFiltersFromSearch(search))).toEqual([...WEB_FILTER_KEYS]);
    const dirty = webFiltersFromSearch(new URLSearchParams({ country: "  DE ", page: "", os: "x".repeat(501), browser: "a\u0000b" }));
    expect(dirty).toEqual({ country: "DE" });
    expect(sanitizeWebFilters({ country: 5, page: "/a" })).toEqual({ page: "/a" });
    expect(sanitizeWebFilters({ page: `/${"p".repeat(499)}`, channel: "c".repeat(33) })).toEqual({ page: `/${"p".repeat(499)}` });
    expect(sanitizeWebFilters("country=DE")).toEqual({});
    expect(sanitizeWebFilters(null)).toEqual({});
  });

  it("take person:<trait> filters with the API's trait rule, at most five", () => {
    const search = new URLSearchParams("person:plan=pro&person:bad key=x&person:=x&person:seats=3&country=DE");
    expect(webFiltersFromSearch(search)).toEqual({ country: "DE", "person:plan": "pro", "person:seats": "3" });
    expect(isPersonFilterKey("person:a.b-c_1")).toBe(true);
    expect(isPersonFilterKey(`person:${"k".repeat(65)}`)).toBe(false);
    expect(sanitizeWebFilters({ "person:plan": "x".repeat(501), "person:tier": "(none)" })).toEqual({ "person:tier": "(none)" });
    const many = Object.fromEntries(["a", "b", "c", "d", "e", "f"].map((trait) => [`person:${trait}`, "1"]));
    expect(Object.keys(sanitizeWebFilters(many))).toHaveLength(5);
  });

  it("show person filters as chips after the web ones, and remove them", () => {
    const filters = addWebFilter({ country: "DE" }, "person:plan", "pro");
    expect(activeWebFilters(filters)).toEqual([
      ["country", "DE"],
      ["person:plan", "pro"],
    ]);
    expect(chipLabel("person:plan", "pro")).toBe("Person plan is pro");
    expect(addWebFilter(undefined, "person:plan", null)).toEqual({ "person:plan": NONE_VALUE });
    expect(removeWebFilter(filters, "person:plan")).toEqual({ country: "DE" });
  });
});
