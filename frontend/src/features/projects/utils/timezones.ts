// The IANA time zones a project can report in.

const FALLBACK_ZONES = ["UTC", "Europe/London", "Europe/Paris", "America/New_York", "America/Los_Angeles", "Asia/Tokyo"];

/** Every zone the browser knows, UTC first; a zone already set (`current`) is always listed. */
export function timeZones(current?: string): string[] {
  let zones: string[];
  try {
    zones = Intl.supportedValuesOf("timeZone");
  } catch {
    zones = FALLBACK_ZONES;
  }
  const listed = new Set(zones);
  listed.delete("UTC");
  if (current && current !== "UTC") listed.add(current);
  return ["UTC", ...[...listed].sort()];
}

/** The browser's zone: the natural default for a new project. */
export function browserZone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
  } catch {
    return "UTC";
  }
}
