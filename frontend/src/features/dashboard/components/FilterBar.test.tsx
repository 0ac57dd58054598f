// @vitest-environment jsdom
import { cleanup, render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";

import { setTracker } from "../../../lib/tracking";
import { DEFAULT_FILTERS } from "../utils/filters";
import { FilterBar } from "./FilterBar";

afterEach(() => {
  cleanup();
  setTracker(null);
  vi.restoreAllMocks();
});

describe("FilterBar", () => {
  it("changes filters and tracks each change by name", async () => {
    const tracked = vi.fn();
    setTracker({ track: tracked, flush: async () => undefined, setEnabled: () => undefined });
    const onChange = vi.fn();
    render(<FilterBar filters={DEFAULT_FILTERS} onChange={onChange} onReset={vi.fn()} />);
    const user = userEvent.setup();

    await user.click(screen.getByRole("button", { name: "7 days" }));
    expect(onChange).toHaveBeenLastCalledWith({ preset: "7d", startDate: undefined, endDate: undefined });
    await user.selectOptions(screen.getByLabelText("Gender"), "Female");
    expect(onChange).toHaveBeenLastCalledWith({ gender: "Female" });
    await user.selectOptions(screen.getByLabelText("Age group"), ">40");
    expect(onChange).toHaveBeenLastCalledWith({ ageGroup: ">40" });

    expect(tracked.mock.calls.map(([name]) => name)).toEqual(["date_filter", "gender_filter", "age_filter"]);
    expect(tracked.mock.calls[1]?.[1]).toEqual({ value: "Female" });
  });

  it("marks the active preset and resets", async () => {
    const onReset = vi.fn();
    render(<FilterBar filters={{ ...DEFAULT_FILTERS, preset: "90d" }} onChange={vi.fn()} onReset={onReset} />);
    expect(screen.getByRole("button", { name: "90 days" }).getAttribute("aria-pressed")).toBe("true");
    expect(screen.getByRole("button", { name: "30 days" }).getAttribute("aria-pressed")).toBe("false");
    await userEvent.setup().click(screen.getByRole("button", { name: "Reset" }));
    expect(onReset).toHaveBeenCalledOnce();
  });

  it("shows labelled date inputs for a custom range", () => {
    render(
      <FilterBar
        filters={{ ...DEFAULT_FILTERS, preset: "custom", startDate: "2026-01-01", endDate: "2026-01-31" }}
        onChange={vi.fn()}
        onReset={vi.fn()}
      />,
    );
    expect((screen.getByLabelText("From") as HTMLInputElement).value).toBe("2026-01-01");
    expect((screen.getByLabelText("To") as HTMLInputElement).value).toBe("2026-01-31");
  });
});
