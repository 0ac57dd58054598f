// Light and dark themes: follow the system until the user picks one, then remember it.
// One theme for the whole page, so the toggle and the charts always agree.
import { useCallback, useSyncExternalStore } from "react";

export type Theme = "light" | "dark";
const STORAGE_KEY = "ouroboard.theme";
const DARK_QUERY = "(prefers-color-scheme: dark)";

function systemTheme(): Theme {
  return window.matchMedia?.(DARK_QUERY).matches ? "dark" : "light";
}

export function storedTheme(): Theme | null {
  try {
    const value = localStorage.getItem(STORAGE_KEY);
    return value === "dark" || value === "light" ? value : null;
  } catch {
    return null;
  }
}

export function applyTheme(theme: Theme): void {
  document.documentElement.classList.toggle("dark", theme === "dark");
  document.documentElement.style.colorScheme = theme;
}

let current: Theme | null = null;
const listeners = new Set<() => void>();

function currentTheme(): Theme {
  current ??= storedTheme() ?? systemTheme();
  return current;
}

function setTheme(theme: Theme): void {
  current = theme;
  applyTheme(theme);
  for (const listener of listeners) listener();
}

function followSystem(event: MediaQueryListEvent): void {
  // Follow the system only while the user has not chosen.
  if (!storedTheme()) setTheme(event.matches ? "dark" : "light");
}

function subscribe(listener: () => void): () => void {
  const media = window.matchMedia?.(DARK_QUERY);
  if (listeners.size === 0) media?.addEventListener("change", followSystem);
  listeners.add(listener);
  return () => {
    listeners.delete(listener);
    if (listeners.size === 0) media?.removeEventListener("change", followSystem);
  };
}

/** Apply the theme before React renders, so a dark page never flashes light. */
export function applyInitialTheme(): void {
  applyTheme(currentTheme());
}

export function useTheme() {
  const theme = useSyncExternalStore(subscribe, currentTheme);
  const toggle = useCallback(() => {
    const next: Theme = currentTheme() === "dark" ? "light" : "dark";
    try {
      localStorage.setItem(STORAGE_KEY, next);
    } catch {
      // Private mode: the choice lasts for this page only.
    }
    setTheme(next);
  }, []);
  return { theme, toggle };
}
