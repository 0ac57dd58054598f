// Test helpers for the projects feature: an API answering by method and path, and a render
// inside a router and a fresh query client, with a tracker that records.
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { render } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { StrictMode, type ReactNode } from "react";
import { MemoryRouter, Route, Routes, useLocation } from "react-router";
import { vi } from "vitest";

import { setTracker } from "../../../lib/tracking";

export function json(status: number, body?: unknown): Response {
  if (status === 204) return new Response(null, { status });
  return new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
}

export interface ApiCall {
  method: string;
  path: string;
  body: unknown;
  headers: Record<string, string>;
}

type Answer = Response | ((call: ApiCall) => Response);

/** Stub fetch: `routes` maps "METHOD /path" (the path after /api/v1, query string included
 * when given) to an answer; anything else is a 500 the test will notice. */
export function stubApi(routes: Record<string, Answer>) {
  const calls: ApiCall[] = [];
  vi.stubGlobal(
    "fetch",
    vi.fn(async (url: string, init: RequestInit = {}) => {
      const path = url.replace(/^\/api\/v1/, "");
      const call: ApiCall = {
        method: init.method ?? "GET",
        path,
        body: typeof init.body === "string" ? JSON.parse(init.body) : undefined,
        headers: (init.headers ?? {}) as Record<string, string>,
      };
      calls.push(call);
      const answer = routes[`${call.method} ${path}`] ?? routes[`${call.method} ${path.split("?")[0]}`];
      if (!answer) return json(500, { error: `unexpected ${call.method} ${path}` });
      return typeof answer === "function" ? answer(call) : answer.clone();
    }),
  );
  return calls;
}

/** Where the router is now, for asserting navigations. */
function LocationProbe() {
  const location = useLocation();
  return <p data-testid="location">{`${location.pathname}${location.search}`}</p>;
}

/** Render `element` at `path` (matched by `pattern`) under StrictMode as the app does (effects
 * run twice), with a tracker recording what is tracked. */
export function renderAt(path: string, pattern: string, element: ReactNode) {
  const tracked = vi.fn();
  setTracker({ track: tracked, flush: async () => undefined, setEnabled: () => undefined });
  const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false }, mutations: { retry: false } } });
  const view = render(
    <StrictMode>
    <QueryClientProvider client={queryClient}>
      <MemoryRouter initialEntries={[path]}>
        <Routes>
          <Route path={pattern} element={element} />
          <Route path="*" element={<p>elsewhere</p>} />
        </Routes>
        <LocationProbe />
      </MemoryRouter>
    </QueryClientProvider>
    </StrictMode>,
  );
  return { ...view, tracked, queryClient, user: userEvent.setup() };
}

export const trackedNames = (tracked: ReturnType<typeof vi.fn>) => tracked.mock.calls.map(([name]) => name as string);

export const PROJECT = {
  slug: "shop",
  name: "Shop",
  timezone: "Europe/Paris",
  role: "owner" as const,
  isSelfTracking: false,
  createdAt: "2026-12-01T10:00:00Z",
  publicSharing: false,
  sharing: false,
};
