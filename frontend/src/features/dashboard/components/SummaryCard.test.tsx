// @vitest-environment jsdom
import { cleanup, render, screen } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";

import { Change } from "./SummaryCard";

afterEach(cleanup);

describe("Change", () => {
  it("colours a rise green, unless less is better", () => {
    render(
      <>
        <Change value={12.5} />
        <Change value={12.5} lowerIsBetter />
        <Change value={-3} lowerIsBetter />
        <Change value={null} />
      </>,
    );
    const [plain, inverted] = screen.getAllByLabelText("up 12.5% on the previous period");
    expect(plain?.className).toContain("emerald");
    expect(plain?.textContent).toBe("↑ 12.5%");
    expect(inverted?.className).toContain("red");
    expect(screen.getByLabelText("down 3% on the previous period").className).toContain("emerald");
    expect(screen.getByText("no previous data")).toBeTruthy();
  });
});
