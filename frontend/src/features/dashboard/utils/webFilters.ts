// Website filters (issue #19): exact-match filters on a visit's source, device, place and
// pages. They travel in the dashboard URL under the API's own parameter names, and go to
// every analytics request.

/** Every web filter, in the order chips and URLs list them; each is also a breakdown. */
export const WEB_FILTER_KEYS = [
  "channel",
  "referrer",
  "utm_source",
  "utm_medium",
  "utm_campaign",
  "utm_term",
  "utm_content",
  "browser",
  "browser_version",
  "os",
  "device",
  "country",
  "page",
  "entry_page",
  "exit_page",
  "hostname",
] as const;

export type WebFilterKey = (typeof WEB_FILTER_KEYS)[number];

/** The active web filters: at most one value per key. */
export type WebFilters = Partial<Record<WebFilterKey, string>>;

/** The value that filters for a visit without one (a breakdown row whose value is null). */
export const NONE_VALUE = "(none)";

/** How a chip names each filter ("Country is DE"). */
export const WEB_FILTER_LABELS: Record<WebFilterKey, string> = {
  channel: "Channel",
  referrer: "Referrer",
  utm_source: "UTM source",
  utm_medium: "UTM medium",
  utm_campaign: "Campaign",
  utm_term: "UTM term",
  utm_content: "UTM content",
  browser: "Browser",
  browser_version: "Browser version",
  os: "OS",
  device: "Device",
  country: "Country",
  page: "Page",
  entry_page: "Entry page",
  exit_page: "Exit page",
  hostname: "Hostname",
};

// The longest value each filter takes (the stored columns' widths); the API refuses longer.
const MAX_LENGTHS: Record<WebFilterKey, number> = {
  channel: 32,
  referrer: 255,
  utm_source: 200,
  utm_medium: 200,
  utm_campaign: 200,
  utm_term: 200,
  utm_content: 200,
  browser: 64,
  browser_version: 81,
  os: 64,
  device: 6,
  country: 6,
  page: 500,
  entry_page: 500,
  exit_page: 500,
  hostname: 255,
};
const DEVICE_TYPES = ["desktop", "mobile", "tablet"];

/** One filter value as given (URL, cookie), in the form the API takes, or undefined when
 * the API would refuse it. */
function cleanValue(key: WebFilterKey, raw: unknown): string | undefined {
  if (typeof raw !== "string") return undefined;
  const value = raw.trim();
  if (value === NONE_VALUE) return value;
  // Control characters never occur in stored values, and the API refuses them.
  // eslint-disable-next-line no-control-regex
  if (!value || value.length > Math.max(MAX_LENGTHS[key], NONE_VALUE.length) || /[\u0000-\u001f\u007f]/.test(value)) return undefined;
  if (key === "country") return /^[A-Za-z]{2}$/.test(value) ? value.toUpperCase() : undefined;
  if (key === "device") return DEVICE_TYPES.includes(value.toLowerCase()) ? value.toLowerCase() : undefined;
  return value;
}

/** Only known keys with usable values: URLs are user input. */
export function sanitizeWebFilters(raw: unknown): WebFilters {
  const filters: WebFilters = {};
  if (typeof raw !== "object" || raw === null) return filters;
  for (const key of WEB_FILTER_KEYS) {
    const value = cleanValue(key, (raw as Record<string, unknown>)[key]);
    if (value !== undefined) filters[key] = value;
  }
  return filters;
}

/** The web filters a URL query carries. */
export function webFiltersFromSearch(search: URLSearchParams): WebFilters {
  return sanitizeWebFilters(Object.fromEntries(WEB_FILTER_KEYS.map((key) => [key, search.get(key) ?? undefined])));
}

/** The active filters as [key, value] pairs, in WEB_FILTER_KEYS order. */
export function activeWebFilters(filters: WebFilters | undefined): [WebFilterKey, string][] {
  if (!filters) return [];
  return WEB_FILTER_KEYS.flatMap((key) => {
    const value = filters[key];
    return value === undefined ? [] : [[key, value] as [WebFilterKey, string]];
  });
}

/** The filters with `key` set to a breakdown row's value (null or empty is "(none)");
 * replaces any earlier value of the same key, as filters are exact matches. */
export function addWebFilter(filters: WebFilters | undefined, key: WebFilterKey, value: string | null): WebFilters {
  return { ...filters, [key]: value === null || value === "" ? NONE_VALUE : value };
}

/** The filters without `key` (a chip's ×). */
export function removeWebFilter(filters: WebFilters | undefined, key: WebFilterKey): WebFilters {
  const rest: WebFilters = { ...filters };
  delete rest[key];
  return rest;
}

/** A chip's text: "Country is DE". */
export function chipLabel(key: WebFilterKey, value: string): string {
  return `${WEB_FILTER_LABELS[key]} is ${value}`;
}
