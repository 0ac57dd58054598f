import { useMemo } from "react";

import { timeZones } from "../utils/timezones";

/** A select over every IANA time zone the browser knows. */
export function TimeZoneSelect({ id, value, onChange }: { id: string; value: string; onChange: (zone: string) => void }) {
  const zones = useMemo(() => timeZones(value), [value]);
  return (
    <select id={id} name="timezone" className="input" value={value} onChange={(event) => onChange(event.target.value)}>
      {zones.map((zone) => (
        <option key={zone} value={zone}>
          {zone.replaceAll("_", " ")}
        </option>
      ))}
    </select>
  );
}
