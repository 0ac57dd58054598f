// @vitest-environment jsdom
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { cleanup, renderHook } from "@testing-library/react";
import type { ReactNode } from "react";
import { afterEach, describe, expect, it, vi } from "vitest";

import type { AnalyticsParams } from "../api/analytics";
import { POLL_SHARED_MS, useLiveStream } from "./useLiveStream";

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

const PARAMS: AnalyticsParams = { project: "shop", ageGroup: "All", gender: "All", tz: "UTC" };

/** An EventSource that records what it was opened on. */
class FakeEventSource {
  static opened: string[] = [];
  static CLOSED = 2;
  readyState = 0;
  constructor(url: string) {
    FakeEventSource.opened.push(url);
  }
  addEventListener() {}
  close() {}
}

function renderStream(params: AnalyticsParams) {
  const wrapper = ({ children }: { children: ReactNode }) => (
    <QueryClientProvider client={new QueryClient()}>{children}</QueryClientProvider>
  );
  return renderHook(() => useLiveStream(params), { wrapper });
}

describe("useLiveStream", () => {
  it("opens the project's stream for a session, polling until it is live", () => {
    FakeEventSource.opened = [];
    vi.stubGlobal("EventSource", FakeEventSource);
    const { result } = renderStream(PARAMS);
    expect(FakeEventSource.opened).toEqual(["/api/v1/analytics/stream?project=shop&ageGroup=All&gender=All&tz=UTC"]);
    expect(result.current).toEqual({ state: "connecting", pollInterval: 3000 });
  });

  it("opens no stream for a share link (EventSource sends no header) and polls gently", () => {
    FakeEventSource.opened = [];
    vi.stubGlobal("EventSource", FakeEventSource);
    const { result } = renderStream({ ...PARAMS, shareToken: "obs_x" });
    expect(FakeEventSource.opened).toEqual([]);
    expect(result.current).toEqual({ state: "polling", pollInterval: POLL_SHARED_MS });
  });
});
