// What settings hand out to copy: absolute links and the tracker's script tag.

/** An absolute URL on this dashboard's origin for a path the API answered ("/share/obs_…"). */
export function absoluteUrl(path: string, origin = window.location.origin): string {
  return new URL(path, origin).href;
}

/** The <script> tag that loads the public tracker /t.js with an ingestion key (see the
 * README's tracker section: data-no-storage and data-respect-dnt are optional). */
export function trackerSnippet(key: string, origin = window.location.origin): string {
  return `<script src="${new URL("/t.js", origin).href}" data-key="${key}" defer></script>`;
}

/** How a listed key is written in its snippet: the full key was shown once, at creation. */
export function keyPlaceholder(prefix: string): string {
  return `${prefix}…`;
}

/** Another analytics tool's setup, pointed here: what to paste in place of its own. */
export interface ToolSetup {
  tool: "plausible" | "umami" | "posthog" | "segment";
  label: string;
  value: string;
  /** What else changes, in a sentence. */
  note: string;
}

/** Where a site named by no Plausible domain yet would say its own. */
export const DOMAIN_PLACEHOLDER = "your-site.com";

/** The setups of Plausible, Umami, PostHog and Segment that send to this server with `key`
 * (Plausible names the site by `siteDomain`, the key's Plausible domain). The scripts stay
 * where they are loaded from; only where they send changes (see the README's "Switching
 * from …"). */
export function toolSetups(key: string, siteDomain: string | null, origin = window.location.origin): ToolSetup[] {
  const base = new URL(origin).origin;
  const domain = siteDomain ?? DOMAIN_PLACEHOLDER;
  return [
    {
      tool: "plausible",
      label: "Plausible script tag",
      value: `<script defer data-domain="${domain}" data-api="${base}/api/event" src="https://plausible.io/js/script.js"></script>`,
      note: siteDomain
        ? `Add data-api to your Plausible tag; plausible-tracker takes apiHost: "${base}".`
        : "Give this key a Plausible domain first: events are matched to it by data-domain.",
    },
    {
      tool: "umami",
      label: "Umami script tag",
      value: `<script defer src="https://cloud.umami.is/script.js" data-website-id="${key}" data-host-url="${base}"></script>`,
      note: `The key is the website id; @umami/node takes hostUrl: "${base}". The script posts JSON, so your site's origin must be in INGEST_CORS_ORIGINS.`,
    },
    {
      tool: "posthog",
      label: "PostHog init",
      value: `posthog.init("${key}", { api_host: "${base}" })`,
      note: "The key is the project API key; server libraries take it with host set to this address.",
    },
    {
      tool: "segment",
      label: "Segment write key and host",
      value: `analytics.write_key = "${key}"\nanalytics.host = "${base}"`,
      note: "The key is the write key (sent as Basic auth); every Segment library takes a host.",
    },
  ];
}
