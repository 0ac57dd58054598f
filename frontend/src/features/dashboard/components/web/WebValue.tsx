import { countryName, flagEmoji } from "../../utils/countries";
import { valueText } from "../../utils/webFormat";
import type { WebFilterKey } from "../../utils/webFilters";

/** A breakdown value as shown: a country with its flag and name, a missing value greyed. */
export function WebValue({ by, value }: { by: WebFilterKey; value: string | null }) {
  if (value === null || value === "") {
    return <span className="italic text-slate-500 dark:text-slate-400">{valueText(by, value)}</span>;
  }
  if (by === "country") {
    const flag = flagEmoji(value);
    return (
      <span title={value}>
        {flag && (
          <span aria-hidden="true" className="mr-1.5">
            {flag}
          </span>
        )}
        {countryName(value)}
      </span>
    );
  }
  return <span title={value}>{valueText(by, value)}</span>;
}
