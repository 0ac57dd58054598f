// @vitest-environment jsdom
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { cleanup, render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { MemoryRouter, Route, Routes, useLocation } from "react-router";
import { afterEach, describe, expect, it, vi } from "vitest";

import { setTracker } from "../../../lib/tracking";
import { RegisterPage } from "./RegisterPage";

afterEach(() => {
  cleanup();
  setTracker(null);
  vi.unstubAllGlobals();
});

function jsonResponse(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
}

function Where() {
  const location = useLocation();
  return <p data-testid="location">{`${location.pathname}${location.search}`}</p>;
}

/** The page at `path`, the API answering by "METHOD path" from `routes`. */
function renderRegister(path: string, routes: Record<string, Response>) {
  const fetchMock = vi.fn(async (url: string, init: RequestInit = {}) => {
    const answer = routes[`${init.method ?? "GET"} ${url.replace("/api/v1", "")}`];
    return answer ? answer.clone() : jsonResponse(500, { error: `unexpected ${url}` });
  });
  vi.stubGlobal("fetch", fetchMock);
  const tracked = vi.fn();
  setTracker({ track: tracked, flush: async () => undefined, setEnabled: () => undefined });
  render(
    <QueryClientProvider client={new QueryClient({ defaultOptions: { queries: { retry: false } } })}>
      <MemoryRouter initialEntries={[path]}>
        <Routes>
          <Route path="/register" element={<RegisterPage />} />
          <Route path="*" element={<Where />} />
        </Routes>
      </MemoryRouter>
    </QueryClientProvider>,
  );
  return { fetchMock, tracked, user: userEvent.setup() };
}

const mode = (value: string, firstAccount = false) => jsonResponse(200, { mode: value, firstAccount });
const SESSION = { user: { id: 5, username: "vic", age: 34, gender: "Female" }, token: "t" };

describe("RegisterPage", () => {
  it("says registration needs an invitation in invite mode without one", async () => {
    renderRegister("/register", { "GET /registration": mode("invite") });
    expect(await screen.findByRole("heading", { name: "Registration needs an invitation" })).toBeTruthy();
    expect(screen.queryByRole("button", { name: /Create account/ })).toBeNull();
  });

  it("says registration is closed, unless this is the first account", async () => {
    renderRegister("/register", { "GET /registration": mode("closed") });
    expect(await screen.findByRole("heading", { name: "Registration is closed" })).toBeTruthy();
    cleanup();
    renderRegister("/register", { "GET /registration": mode("closed", true) });
    expect(await screen.findByRole("button", { name: "Create account" })).toBeTruthy();
  });

  it("registers through an invitation and opens the invited project's dashboard", async () => {
    const { fetchMock, tracked, user } = renderRegister("/register?invitation=obi_tok", {
      "GET /registration": mode("invite"),
      "GET /invitations/obi_tok": jsonResponse(200, { project: { slug: "shop", name: "Shop" }, role: "viewer", expiresAt: "2026-12-10T00:00:00Z" }),
      "POST /register": jsonResponse(201, SESSION),
    });
    expect(await screen.findByText("You are joining Shop as viewer.")).toBeTruthy();
    await user.type(screen.getByLabelText("Username"), "vic");
    await user.type(screen.getByLabelText("Password (8 characters or more)"), "violet tram under snow");
    await user.type(screen.getByLabelText("Age"), "34");
    await user.click(screen.getByRole("button", { name: "Create account and join" }));

    await waitFor(() => expect(screen.getByTestId("location").textContent).toBe("/?project=shop"));
    const post = fetchMock.mock.calls.find(([, init]) => init?.method === "POST") as unknown as [string, RequestInit];
    expect(JSON.parse(post[1].body as string)).toEqual({
      username: "vic", password: "violet tram under snow", age: "34", gender: "Female", invitation: "obi_tok",
    });
    expect(tracked.mock.calls).toEqual([["sign_up", { invited: true }]]);
  });

  it("sends no invitation field without one, in open mode", async () => {
    const { fetchMock, user } = renderRegister("/register", { "GET /registration": mode("open"), "POST /register": jsonResponse(201, SESSION) });
    await user.type(await screen.findByLabelText("Username"), "vic");
    await user.type(screen.getByLabelText("Password (8 characters or more)"), "violet tram under snow");
    await user.type(screen.getByLabelText("Age"), "34");
    await user.click(screen.getByRole("button", { name: "Create account" }));
    await waitFor(() => expect(screen.getByTestId("location").textContent).toBe("/"));
    const post = fetchMock.mock.calls.find(([, init]) => init?.method === "POST") as unknown as [string, RequestInit];
    expect(JSON.parse(post[1].body as string)).not.toHaveProperty("invitation");
  });

  it("says a used or expired invitation is no longer valid", async () => {
    renderRegister("/register?invitation=obi_old", {
      "GET /registration": mode("open"),
      "GET /invitations/obi_old": jsonResponse(404, { error: "No such invitation" }),
    });
    expect(await screen.findByRole("heading", { name: "This invitation is no longer valid" })).toBeTruthy();
    expect(screen.getByRole("link", { name: "register without it" }).getAttribute("href")).toBe("/register");
  });
});
