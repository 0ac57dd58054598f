import { useState, type ReactNode } from "react";

import { Options } from "../../../components/form/Options";
import { track, type TrackedEvent } from "../../../lib/tracking";
import { AGE_GROUPS, GENDER_FILTERS, PRESETS, dateRange, type DashboardFilters, type Preset } from "../utils/filters";

/** The audience selects: which filter each sets, and the event it tracks. */
const AUDIENCE_FILTERS: { key: "ageGroup" | "gender"; id: string; label: string; values: readonly string[]; event: TrackedEvent }[] = [
  { key: "ageGroup", id: "filter-age-group", label: "Age group", values: AGE_GROUPS, event: "age_filter" },
  { key: "gender", id: "filter-gender", label: "Gender", values: GENDER_FILTERS, event: "gender_filter" },
];

interface FilterBarProps {
  filters: DashboardFilters;
  onChange: (change: Partial<DashboardFilters>) => void;
  onReset: () => void;
}

export function FilterBar({ filters, onChange, onReset }: FilterBarProps) {
  const current = dateRange(filters);
  const [customStart, setCustomStart] = useState(filters.startDate ?? current.startDate ?? "");
  const [customEnd, setCustomEnd] = useState(filters.endDate ?? current.endDate ?? "");
  const customInvalid = Boolean(customStart && customEnd && customStart > customEnd);

  function choosePreset(preset: Preset) {
    track("date_filter", { preset });
    if (preset === "custom") {
      const start = customStart || current.startDate || "";
      const end = customEnd || current.endDate || "";
      setCustomStart(start);
      setCustomEnd(end);
      if (start && end && start <= end) onChange({ preset, startDate: start, endDate: end });
      else onChange({ preset: "custom" });
      return;
    }
    onChange({ preset, startDate: undefined, endDate: undefined });
  }

  function applyCustom(start: string, end: string) {
    setCustomStart(start);
    setCustomEnd(end);
    if (start && end && start <= end) {
      track("date_filter", { preset: "custom", startDate: start, endDate: end });
      onChange({ preset: "custom", startDate: start, endDate: end });
    }
  }

  return (
    <div className="flex flex-col gap-3 rounded-2xl border border-slate-200 bg-white p-3 shadow-sm dark:border-slate-800 dark:bg-slate-900 lg:flex-row lg:flex-wrap lg:items-end">
      <div role="group" aria-label="Date range" className="flex flex-wrap gap-1">
        {PRESETS.map((preset) => (
          <button
            key={preset.value}
            type="button"
            aria-pressed={filters.preset === preset.value}
            onClick={() => choosePreset(preset.value)}
            className={`rounded-lg px-3 py-1.5 text-sm font-medium focus-visible:outline focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600 ${
              filters.preset === preset.value
                ? "bg-indigo-600 text-white"
                : "text-slate-600 hover:bg-slate-100 dark:text-slate-300 dark:hover:bg-slate-800"
            }`}
          >
            {preset.label}
          </button>
        ))}
      </div>
      {filters.preset === "custom" && (
        <div className="flex flex-wrap items-end gap-2">
          <DateFilter id="filter-from" label="From" value={customStart} max={customEnd} onValue={(start) => applyCustom(start, customEnd)} />
          <DateFilter id="filter-to" label="To" value={customEnd} min={customStart} onValue={(end) => applyCustom(customStart, end)} />
          {customInvalid && (
            <p role="alert" className="text-xs text-red-600 dark:text-red-400">
              The start must be before the end.
            </p>
          )}
        </div>
      )}
      <div className="flex flex-wrap items-end gap-2 lg:ml-auto">
        {AUDIENCE_FILTERS.map((filter) => (
          <SelectFilter
            key={filter.key}
            id={filter.id}
            label={filter.label}
            value={filters[filter.key]}
            values={filter.values}
            onSelect={(value) => {
              track(filter.event, { value });
              onChange({ [filter.key]: value });
            }}
          />
        ))}
        <button
          type="button"
          className="btn-secondary h-[38px]"
          onClick={() => {
            track("filter_reset");
            onReset();
          }}
        >
          Reset
        </button>
      </div>
    </div>
  );
}

/** A labelled control in the filter bar. */
function FilterField({ id, label, children }: { id: string; label: string; children: ReactNode }) {
  return (
    <div className="text-xs font-medium text-slate-500 dark:text-slate-400">
      <label htmlFor={id}>{label}</label>
      {children}
    </div>
  );
}

interface DateFilterProps {
  id: string;
  label: string;
  value: string;
  /** Bounds from the other end of the range; empty means none. */
  min?: string;
  max?: string;
  onValue: (value: string) => void;
}

/** A labelled date input for one end of a custom range. */
function DateFilter({ id, label, value, min, max, onValue }: DateFilterProps) {
  return (
    <FilterField id={id} label={label}>
      <input
        id={id}
        type="date"
        className="input mt-1"
        value={value}
        min={min || undefined}
        max={max || undefined}
        onChange={(event) => onValue(event.target.value)}
      />
    </FilterField>
  );
}

interface SelectFilterProps<T extends string> {
  id: string;
  label: string;
  value: T;
  values: readonly T[];
  onSelect: (value: T) => void;
}

/** A labelled select over a fixed list of values (age group, gender). */
function SelectFilter<T extends string>({ id, label, value, values, onSelect }: SelectFilterProps<T>) {
  return (
    <FilterField id={id} label={label}>
      <select id={id} className="input mt-1 w-32" value={value} onChange={(event) => onSelect(event.target.value as T)}>
        <Options values={values} />
      </select>
    </FilterField>
  );
}
