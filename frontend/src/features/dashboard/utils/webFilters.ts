// Website filters (issue #19): exact-match filters on a visit's source, device, place and
// pages; and person filters (issue #20), `person:<trait>`, on a trait of the event's person.
// They travel in the dashboard URL under the API's own parameter names, and go to every
// analytics request.

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

/** A person filter: `person:<trait>`, as the API names it. */
export type PersonFilterKey = `person:${string}`;
/** Any filter a chip shows. */
export type FilterKey = WebFilterKey | PersonFilterKey;

/** The active web and person filters: at most one value per key. */
export type WebFilters = Partial<Record<WebFilterKey, string>> & Partial<Record<PersonFilterKey, string>>;

const PERSON_PREFIX = "person:";
// The API's rules: traits like property keys, values of 1-500 characters, at most 5 filters.
const TRAIT_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;
const PERSON_VALUE_MAX = 500;
const MAX_PERSON_FILTERS = 5;

/** Whether a URL or query parameter names a person filter the API takes. */
export function isPersonFilterKey(key: string): key is PersonFilterKey {
  return key.startsWith(PERSON_PREFIX) && TRAIT_PATTERN.test(key.slice(PERSON_PREFIX.length));
}

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
function cleanValue(key: FilterKey, raw: unknown): string | undefined {
  if (typeof raw !== "string") return undefined;
  const value = raw.trim();
  if (value === NONE_VALUE) return value;
  const longest = isPersonFilterKey(key) ? PERSON_VALUE_MAX : MAX_LENGTHS[key];
  // Control characters never occur in stored values, and the API refuses them.
  // eslint-disable-next-line no-control-regex
  if (!value || value.length > Math.max(longest, NONE_VALUE.length) || /[\u0000-\u001f\u007f]/.test(value)) return undefined;
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
  const personKeys = Object.keys(raw).filter(isPersonFilterKey).sort().slice(0, MAX_PERSON_FILTERS);
  for (const key of personKeys) {
    const value = cleanValue(key, (raw as Record<string, unknown>)[key]);
    if (value !== undefined) filters[key] = value;
  }
  return filters;
}

/** The web and person filters a URL query carries. */
export function webFiltersFromSearch(search: URLSearchParams): WebFilters {
  const keys = [...WEB_FILTER_KEYS, ...[...search.keys()].filter(isPersonFilterKey)];
  return sanitizeWebFilters(Object.fromEntries(keys.map((key) => [key, search.get(key) ?? undefined])));
}

/** The active filters as [key, value] pairs, in WEB_FILTER_KEYS order, then person filters by trait. */
export function activeWebFilters(filters: WebFilters | undefined): [FilterKey, string][] {
  if (!filters) return [];
  const keys: FilterKey[] = [...WEB_FILTER_KEYS, ...Object.keys(filters).filter(isPersonFilterKey).sort()];
  return keys.flatMap((key) => {
    const value = filters[key];
    return value === undefined ? [] : [[key, value] as [FilterKey, string]];
  });
}

/** The filters with `key` set to a breakdown row's value (null or empty is "(none)");
 * replaces any earlier value of the same key, as filters are exact matches. */
export function addWebFilter(filters: WebFilters | undefined, key: FilterKey, value: string | null): WebFilters {
  return { ...filters, [key]: value === null || value === "" ? NONE_VALUE : value };
}

/** The filters without `key` (a chip's ×). */
export function removeWebFilter(filters: WebFilters | undefined, key: FilterKey): WebFilters {
  const rest: WebFilters = { ...filters };
  delete rest[key];
  return rest;
}

/** A chip's text: "Country is DE", "Person plan is pro". */
export function chipLabel(key: FilterKey, value: string): string {
  const name = isPersonFilterKey(key) ? `Person ${key.slice(PERSON_PREFIX.length)}` : WEB_FILTER_LABELS[key];
  return `${name} is ${value}`;
}
