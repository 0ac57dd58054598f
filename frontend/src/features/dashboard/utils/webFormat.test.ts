import { describe, expect, it } from "vitest";

import type { WebTotals } from "../api/web";
import { formatDuration, formatMeasure, missingLabel, valueText } from "./webFormat";

const TOTALS: WebTotals = { visitors: 1234, visits: 1500, pageviews: 4000, viewsPerVisit: 2.67, bounceRate: 41.5, visitDuration: 185 };

describe("web figures", () => {
  it.each([
    [0, "0s"],
    [44.6, "45s"],
    [60, "1m 00s"],
    [185, "3m 05s"],
    [3599, "59m 59s"],
    [3600, "1h 00m"],
    [7500, "2h 05m"],
    [-3, "0s"],
  ])("formats %s seconds as %s", (seconds, text) => {
    expect(formatDuration(seconds)).toBe(text);
  });

  it("formats each card's figure", () => {
    expect(formatMeasure("visitDuration", TOTALS)).toBe("3m 05s");
    expect(formatMeasure("bounceRate", TOTALS)).toMatch(/^41[.,]5%$/);
    expect(formatMeasure("viewsPerVisit", TOTALS)).toMatch(/^2[.,]67$/);
    expect(formatMeasure("pageviews", TOTALS)).toMatch(/^4[,. \u202f]?000$/);
  });

  it("names missing values as unknown facts or absent ones", () => {
    expect(missingLabel("country")).toBe("unknown");
    expect(missingLabel("referrer")).toBe("(none)");
    expect(valueText("utm_campaign", null)).toBe("(none)");
    expect(valueText("device", "mobile")).toBe("Mobile");
    expect(valueText("page", "/pricing")).toBe("/pricing");
    expect(valueText("country", "DE")).toMatch(/\(DE\)$/);
  });
});
