// How web figures read: durations, card values and breakdown rows' labels.
import type { WebMeasure, WebTotals } from "../api/web";
import { countryName } from "./countries";
import type { WebFilterKey } from "./webFilters";

const numberFormat = new Intl.NumberFormat();
const decimalFormat = new Intl.NumberFormat(undefined, { maximumFractionDigits: 2 });

/** A duration in seconds as "45s", "3m 05s" or "1h 02m". */
export function formatDuration(totalSeconds: number): string {
  const seconds = Math.max(0, Math.round(totalSeconds));
  if (seconds < 60) return `${seconds}s`;
  const pad = (value: number) => String(value).padStart(2, "0");
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m ${pad(seconds % 60)}s`;
  return `${Math.floor(seconds / 3600)}h ${pad(Math.floor((seconds % 3600) / 60))}m`;
}

/** One card's figure as shown. */
export function formatMeasure(measure: WebMeasure, totals: WebTotals): string {
  const value = totals[measure];
  switch (measure) {
    case "bounceRate":
      return `${decimalFormat.format(value)}%`;
    case "visitDuration":
      return formatDuration(value);
    case "viewsPerVisit":
      return decimalFormat.format(value);
    default:
      return numberFormat.format(value);
  }
}

// Dimensions whose missing value is a fact we could not learn ("unknown"), rather than an
// absent one ("(none)": no referrer, no campaign).
const UNKNOWN_WHEN_MISSING: ReadonlySet<WebFilterKey> = new Set(["browser", "browser_version", "os", "device", "country"]);

/** A breakdown row's text for a missing value. */
export function missingLabel(by: WebFilterKey): string {
  return UNKNOWN_WHEN_MISSING.has(by) ? "unknown" : "(none)";
}

/** A device type as read ("mobile" -> "Mobile"). */
export function capitalise(value: string): string {
  return value.charAt(0).toUpperCase() + value.slice(1);
}

/** A breakdown value as plain text: "Germany (DE)", "Mobile", "unknown", "/pricing". */
export function valueText(by: WebFilterKey, value: string | null): string {
  if (value === null || value === "") return missingLabel(by);
  if (by === "country") {
    const name = countryName(value);
    return name === value ? value : `${name} (${value})`;
  }
  if (by === "device") return capitalise(value);
  return value;
}
