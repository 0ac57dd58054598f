import { track } from "../../../../lib/tracking";
import { activeWebFilters, chipLabel, isPersonFilterKey, type FilterKey, type WebFilters } from "../../utils/webFilters";

interface WebFilterChipsProps {
  filters: WebFilters | undefined;
  onRemove: (key: FilterKey) => void;
}

/** One chip per active web or person filter ("Country is DE ×"); its × removes that filter. */
export function WebFilterChips({ filters, onRemove }: WebFilterChipsProps) {
  const active = activeWebFilters(filters);
  if (active.length === 0) return null;
  return (
    <ul aria-label="Active website filters" className="flex flex-wrap gap-2" data-testid="web-filter-chips">
      {active.map(([key, value]) => {
        const label = chipLabel(key, value);
        return (
          <li
            key={key}
            className="inline-flex max-w-full items-center gap-1 rounded-full bg-indigo-100 py-1 pl-3 pr-1 text-xs font-medium text-indigo-900 dark:bg-indigo-900/40 dark:text-indigo-200"
            data-testid={`web-chip-${key}`}
          >
            <span className="truncate" title={label}>
              {label}
            </span>
            <button
              type="button"
              aria-label={`Remove filter: ${label}`}
              className="rounded-full px-1.5 hover:bg-indigo-200 focus-visible:outline focus-visible:outline-2 focus-visible:outline-indigo-600 dark:hover:bg-indigo-800"
              onClick={() => {
                // The dimension only: values name a customer's pages and sources (and a
                // trait's name may be a customer's own, so person filters are one dimension).
                track("web_filter_remove", { dimension: isPersonFilterKey(key) ? "person" : key });
                onRemove(key);
              }}
            >
              ×
            </button>
          </li>
        );
      })}
    </ul>
  );
}
