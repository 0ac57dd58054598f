import { afterEach, describe, expect, it, vi } from "vitest";

import { muteTracking, setTracker, track } from "./tracking";

afterEach(() => {
  muteTracking(false);
  setTracker(null);
});

describe("track", () => {
  it("hands events to the tracker, and drops them while muted (a share link's visitors)", () => {
    const tracked = vi.fn();
    setTracker({ track: tracked, flush: async () => undefined, setEnabled: () => undefined });
    track("refresh_data");
    muteTracking(true);
    track("date_filter", { preset: "7d" });
    muteTracking(false);
    track("theme_toggle");
    expect(tracked.mock.calls.map(([name]) => name)).toEqual(["refresh_data", "theme_toggle"]);
  });
});
