import { describe, expect, it } from "vitest";

import { DOMAIN_PLACEHOLDER, toolSetups, trackerSnippet, type ToolSetup } from "./snippets";

const ORIGIN = "https://stats.example.org";
const byTool = (key: string, domain: string | null) =>
  Object.fromEntries(toolSetups(key, domain, ORIGIN).map((setup) => [setup.tool, setup])) as Record<ToolSetup["tool"], ToolSetup>;

describe("toolSetups", () => {
  it("points each tool at this server with the key, as the README's Switching from … says", () => {
    const setups = byTool("obk_secret", "shop.example.com");
    expect(setups.plausible.value).toBe(
      '<script defer data-domain="shop.example.com" data-api="https://stats.example.org/api/event" src="https://plausible.io/js/script.js"></script>',
    );
    expect(setups.umami.value).toBe('<script defer src="https://cloud.umami.is/script.js" data-website-id="obk_secret" data-host-url="https://stats.example.org"></script>');
    expect(setups.posthog.value).toBe('posthog.init("obk_secret", { api_host: "https://stats.example.org" })');
    expect(setups.segment.value).toBe('analytics.write_key = "obk_secret"\nanalytics.host = "https://stats.example.org"');
    expect(setups.plausible.note).toContain('apiHost: "https://stats.example.org"');
    expect(setups.umami.note).toContain("INGEST_CORS_ORIGINS");
  });

  it("asks for a Plausible domain first when the key has none", () => {
    const { plausible } = byTool("obk_secret", null);
    expect(plausible.value).toContain(`data-domain="${DOMAIN_PLACEHOLDER}"`);
    expect(plausible.note).toContain("Plausible domain first");
  });

  it("uses the origin without a trailing path, as trackerSnippet does", () => {
    expect(byTool("k", null).posthog.value).toContain('"https://stats.example.org"');
    expect(toolSetups("k", null, "https://stats.example.org/").map((setup) => setup.value).join("")).not.toContain("org//");
    expect(trackerSnippet("k", ORIGIN)).toBe('<script src="https://stats.example.org/t.js" data-key="k" defer></script>');
  });
});
