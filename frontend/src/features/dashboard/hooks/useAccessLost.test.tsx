// @vitest-environment jsdom
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { cleanup, renderHook, waitFor } from "@testing-library/react";
import type { ReactNode } from "react";
import { afterEach, describe, expect, it, vi } from "vitest";

import { ApiError } from "../../../lib/api-client";
import { retryOutages } from "../api/queries";
import { useAccessLost } from "./useAccessLost";

afterEach(cleanup);

function failingQuery(client: QueryClient, project: string, status: number) {
  return client
    .fetchQuery({ queryKey: ["analytics", project, "summary", {}], queryFn: () => Promise.reject(new ApiError(status, "no")), retry: false })
    .catch(() => undefined);
}

describe("useAccessLost", () => {
  it("reports a 401 or 404 of the project's analytics, and nothing else", async () => {
    const client = new QueryClient();
    const onLost = vi.fn();
    const wrapper = ({ children }: { children: ReactNode }) => <QueryClientProvider client={client}>{children}</QueryClientProvider>;
    renderHook(() => useAccessLost("shop", onLost), { wrapper });

    await failingQuery(client, "shop", 503);
    await failingQuery(client, "blog", 404);
    await failingQuery(client, "shop", 400);
    expect(onLost).not.toHaveBeenCalled();
    await failingQuery(client, "shop", 404);
    await waitFor(() => expect(onLost).toHaveBeenCalledTimes(1));
  });
});

describe("retryOutages", () => {
  it("retries outages a few times, never an answer", () => {
    expect(retryOutages(0, new ApiError(503, "down"))).toBe(true);
    expect(retryOutages(0, new ApiError(429, "slow down"))).toBe(true);
    expect(retryOutages(0, new ApiError(0, "offline"))).toBe(true);
    expect(retryOutages(3, new ApiError(503, "down"))).toBe(false);
    for (const status of [400, 401, 403, 404]) expect(retryOutages(0, new ApiError(status, "no"))).toBe(false);
  });
});
