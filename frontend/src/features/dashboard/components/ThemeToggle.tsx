import { useTheme } from "../../../lib/theme";
import { track } from "../../../lib/tracking";

/** Switch between the light and dark themes. */
export function ThemeToggle() {
  const { theme, toggle } = useTheme();
  const dark = theme === "dark";
  return (
    <button
      type="button"
      className="btn-secondary"
      onClick={() => {
        track("theme_toggle", { theme: dark ? "light" : "dark" });
        toggle();
      }}
      aria-label={dark ? "Switch to light theme" : "Switch to dark theme"}
      data-testid="theme-toggle"
    >
      <span aria-hidden="true">{dark ? "☀" : "☾"}</span>
    </button>
  );
}
