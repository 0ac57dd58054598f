import { useState } from "react";

import { track } from "../../../lib/tracking";
import type { AgeGroup, GenderFilter } from "../api/analytics";
import { AGE_GROUPS, GENDER_FILTERS, PRESETS, dateRange, type DashboardFilters, type Preset } from "../utils/filters";

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
          <div className="text-xs font-medium text-slate-500 dark:text-slate-400">
            <label htmlFor="filter-from">From</label>
            <input
              id="filter-from"
              type="date"
              className="input mt-1"
              value={customStart}
              max={customEnd || undefined}
              onChange={(event) => applyCustom(event.target.value, customEnd)}
            />
          </div>
          <div className="text-xs font-medium text-slate-500 dark:text-slate-400">
            <label htmlFor="filter-to">To</label>
            <input
              id="filter-to"
              type="date"
              className="input mt-1"
              value={customEnd}
              min={customStart || undefined}
              onChange={(event) => applyCustom(customStart, event.target.value)}
            />
          </div>
          {customInvalid && (
            <p role="alert" className="text-xs text-red-600 dark:text-red-400">
              The start must be before the end.
            </p>
          )}
        </div>
      )}
      <div className="flex flex-wrap items-end gap-2 lg:ml-auto">
        <div className="text-xs font-medium text-slate-500 dark:text-slate-400">
          <label htmlFor="filter-age-group">Age group</label>
          <select
            id="filter-age-group"
            className="input mt-1 w-32"
            value={filters.ageGroup}
            onChange={(event) => {
              const ageGroup = event.target.value as AgeGroup;
              track("age_filter", { value: ageGroup });
              onChange({ ageGroup });
            }}
          >
            {AGE_GROUPS.map((group) => (
              <option key={group} value={group}>
                {group}
              </option>
            ))}
          </select>
        </div>
        <div className="text-xs font-medium text-slate-500 dark:text-slate-400">
          <label htmlFor="filter-gender">Gender</label>
          <select
            id="filter-gender"
            className="input mt-1 w-32"
            value={filters.gender}
            onChange={(event) => {
              const gender = event.target.value as GenderFilter;
              track("gender_filter", { value: gender });
              onChange({ gender });
            }}
          >
            {GENDER_FILTERS.map((gender) => (
              <option key={gender} value={gender}>
                {gender}
              </option>
            ))}
          </select>
        </div>
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
