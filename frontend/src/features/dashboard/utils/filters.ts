// Dashboard filters: presets, their date ranges, and how they travel in URLs and cookies.
import Cookies from "js-cookie";

import type { AgeGroup, AnalyticsParams, GenderFilter } from "../api/analytics";
import { WEB_FILTER_KEYS, activeWebFilters, isPersonFilterKey, sanitizeWebFilters, webFiltersFromSearch, type WebFilters } from "./webFilters";

export type Preset = "today" | "7d" | "30d" | "90d" | "12m" | "all" | "custom";

export interface DashboardFilters {
  preset: Preset;
  /** YYYY-MM-DD, used when preset is "custom". */
  startDate?: string;
  endDate?: string;
  ageGroup: AgeGroup;
  gender: GenderFilter;
  feature?: string;
  /** Website filters (country, page, channel…) and person filters (person:<trait>): kept in
   * the URL only, never in the cookie, as they name one project's pages, sources and traits. */
  web?: WebFilters;
}

export const PRESETS: { value: Preset; label: string }[] = [
  { value: "today", label: "Today" },
  { value: "7d", label: "7 days" },
  { value: "30d", label: "30 days" },
  { value: "90d", label: "90 days" },
  { value: "12m", label: "12 months" },
  { value: "all", label: "All" },
  { value: "custom", label: "Custom" },
];
export const AGE_GROUPS: AgeGroup[] = ["All", "<18", "18-40", ">40"];
export const GENDER_FILTERS: GenderFilter[] = ["All", "Male", "Female", "Other"];
export const DEFAULT_FILTERS: DashboardFilters = { preset: "30d", ageGroup: "All", gender: "All" };

const PRESET_DAYS: Partial<Record<Preset, number>> = { today: 1, "7d": 7, "30d": 30, "90d": 90, "12m": 365 };
const DATE_PATTERN = /^\d{4}-\d{2}-\d{2}$/;
const FEATURE_PATTERN = /^[A-Za-z0-9_.:/-](?:[A-Za-z0-9_.:/ -]{0,98}[A-Za-z0-9_.:/-])?$/;
const COOKIE_DAYS = 180;

/** A local calendar date as YYYY-MM-DD. */
export function isoDate(day: Date): string {
  const month = String(day.getMonth() + 1).padStart(2, "0");
  return `${day.getFullYear()}-${month}-${String(day.getDate()).padStart(2, "0")}`;
}

export function browserTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
}

/** Today's calendar date in `timeZone` (a project's reporting zone), as a local Date at
 * midnight, so the date presets count days where the project reports them. */
export function todayIn(timeZone: string, now = new Date()): Date {
  try {
    const parts = new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "numeric", day: "numeric" })
      .formatToParts(now);
    const part = (type: string) => Number(parts.find((item) => item.type === type)?.value);
    return new Date(part("year"), part("month") - 1, part("day"));
  } catch {
    // An unknown zone (the browser's list is older than the server's): the browser's day.
    return new Date(now.getFullYear(), now.getMonth(), now.getDate());
  }
}

/** The inclusive date range a filter set covers, or undefined bounds for all time. */
export function dateRange(filters: DashboardFilters, today = new Date()): { startDate?: string; endDate?: string } {
  if (filters.preset === "all") return {};
  if (filters.preset === "custom") return { startDate: filters.startDate, endDate: filters.endDate };
  const days = PRESET_DAYS[filters.preset] ?? 30;
  const start = new Date(today.getFullYear(), today.getMonth(), today.getDate() - (days - 1));
  return { startDate: isoDate(start), endDate: isoDate(today) };
}

/** How many days the range spans (Infinity for all time). */
export function rangeDays(filters: DashboardFilters, today = new Date()): number {
  const { startDate, endDate } = dateRange(filters, today);
  if (!startDate || !endDate) return Number.POSITIVE_INFINITY;
  const ms = Date.parse(`${endDate}T00:00:00Z`) - Date.parse(`${startDate}T00:00:00Z`);
  return Math.round(ms / 86_400_000) + 1;
}

/** What the filters ask every analytics endpoint, in a time zone (the browser's by default). */
export type FilterParams = Omit<AnalyticsParams, "project" | "shareToken">;

/** API parameters for the filters, in the given zone (the project's reporting zone). */
export function toApiParams(filters: DashboardFilters, today = new Date(), tz = browserTimeZone()): FilterParams {
  return {
    ...dateRange(filters, today),
    ageGroup: filters.ageGroup,
    gender: filters.gender,
    feature: filters.feature,
    tz,
    ...Object.fromEntries(activeWebFilters(filters.web)),
  };
}

/** Keep only valid values, falling back to defaults: URLs and cookies are user input. */
export function sanitize(raw: Partial<Record<keyof DashboardFilters, unknown>>): DashboardFilters {
  const web = sanitizeWebFilters(raw.web);
  const preset = PRESETS.some((option) => option.value === raw.preset) ? (raw.preset as Preset) : DEFAULT_FILTERS.preset;
  const filters: DashboardFilters = {
    preset,
    ageGroup: AGE_GROUPS.includes(raw.ageGroup as AgeGroup) ? (raw.ageGroup as AgeGroup) : "All",
    gender: GENDER_FILTERS.includes(raw.gender as GenderFilter) ? (raw.gender as GenderFilter) : "All",
  };
  if (typeof raw.feature === "string" && FEATURE_PATTERN.test(raw.feature)) filters.feature = raw.feature;
  if (Object.keys(web).length > 0) filters.web = web;
  if (preset === "custom") {
    const start = typeof raw.startDate === "string" && DATE_PATTERN.test(raw.startDate) ? raw.startDate : undefined;
    const end = typeof raw.endDate === "string" && DATE_PATTERN.test(raw.endDate) ? raw.endDate : undefined;
    if (start && end && start <= end) {
      filters.startDate = start;
      filters.endDate = end;
    } else {
      filters.preset = DEFAULT_FILTERS.preset;
    }
  }
  return filters;
}

const BASIC_URL_KEYS = ["preset", "startDate", "endDate", "ageGroup", "gender", "feature"] as const;
/** Every URL parameter that is a filter: the basic ones, then the web filters by their API names. */
const URL_KEYS: readonly string[] = [...BASIC_URL_KEYS, ...WEB_FILTER_KEYS];

/** Whether a URL parameter is a filter (person:<trait> ones included). */
function isFilterParam(key: string): boolean {
  return URL_KEYS.includes(key) || isPersonFilterKey(key);
}

export function hasFilterParams(search: URLSearchParams): boolean {
  return [...search.keys()].some(isFilterParam);
}

export function fromSearchParams(search: URLSearchParams): DashboardFilters {
  return sanitize({
    ...Object.fromEntries(BASIC_URL_KEYS.map((key) => [key, search.get(key) ?? undefined])),
    web: webFiltersFromSearch(search),
  });
}

/** The URL query with `filters` in place of the filters it had; other parameters (the
 * project) stay first, as they were. */
export function mergeFilterParams(current: URLSearchParams, filters: DashboardFilters): URLSearchParams {
  const merged = new URLSearchParams();
  for (const [key, value] of current) {
    if (!isFilterParam(key)) merged.append(key, value);
  }
  for (const [key, value] of toSearchParams(filters)) merged.append(key, value);
  return merged;
}

/** The URL query for filters; defaults are left out so links stay short. */
export function toSearchParams(filters: DashboardFilters): URLSearchParams {
  const search = new URLSearchParams();
  if (filters.preset !== DEFAULT_FILTERS.preset) search.set("preset", filters.preset);
  if (filters.preset === "custom" && filters.startDate && filters.endDate) {
    search.set("startDate", filters.startDate);
    search.set("endDate", filters.endDate);
  }
  if (filters.ageGroup !== "All") search.set("ageGroup", filters.ageGroup);
  if (filters.gender !== "All") search.set("gender", filters.gender);
  if (filters.feature) search.set("feature", filters.feature);
  for (const [key, value] of activeWebFilters(filters.web)) search.set(key, value);
  return search;
}

export function cookieName(userId: number): string {
  return `ouroboard_filters_${userId}`;
}

/** Each user's last filters, kept in a cookie so they survive reloads and new tabs; the web
 * filters stay out (they belong to one project, and the cookie serves them all). */
export function saveFilters(userId: number, filters: DashboardFilters): void {
  const saved: DashboardFilters = { ...filters };
  delete saved.web;
  Cookies.set(cookieName(userId), JSON.stringify(saved), {
    expires: COOKIE_DAYS,
    sameSite: "Lax",
    path: "/",
    secure: window.location.protocol === "https:",
  });
}

export function loadFilters(userId: number): DashboardFilters | null {
  const saved = Cookies.get(cookieName(userId));
  if (!saved) return null;
  try {
    const raw = JSON.parse(saved) as Partial<Record<keyof DashboardFilters, unknown>>;
    return sanitize({ ...raw, web: undefined });
  } catch {
    return null;
  }
}
