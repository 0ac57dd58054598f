import { describe, expect, it } from "vitest";

import { countryName, flagEmoji } from "./countries";

describe("flagEmoji", () => {
  it("turns a two-letter code into its regional indicator pair", () => {
    expect(flagEmoji("DE")).toBe("🇩🇪");
    expect(flagEmoji("us")).toBe("🇺🇸");
    expect([...flagEmoji("JP")].map((char) => char.codePointAt(0))).toEqual([0x1f1ef, 0x1f1f5]);
  });

  it("gives nothing for what is not a code", () => {
    for (const code of [null, undefined, "", "D", "DEU", "1A", "É?"]) expect(flagEmoji(code)).toBe("");
  });
});

describe("countryName", () => {
  it("names a country in the given language, and falls back to the code", () => {
    expect(countryName("DE", "en")).toBe("Germany");
    expect(countryName("de", "fr")).toBe("Allemagne");
    expect(countryName("XX", "en")).toBe("XX");
    expect(countryName("nope", "en")).toBe("nope");
  });
});
