// @vitest-environment jsdom
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { cleanup, render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { MemoryRouter, Route, Routes } from "react-router";
import { afterEach, describe, expect, it, vi } from "vitest";

import { setTracker } from "../../../lib/tracking";
import { AccountMenu } from "./AccountMenu";

afterEach(() => {
  cleanup();
  setTracker(null);
  vi.unstubAllGlobals();
});

function jsonResponse(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
}

/** The menu in a router with a login page, an API answering with `answers` in turn, and a tracker. */
function renderMenu(...answers: Response[]) {
  const fetchMock = vi.fn(async () => answers.shift() ?? jsonResponse(500, { error: "unexpected" }));
  vi.stubGlobal("fetch", fetchMock);
  const tracked = vi.fn();
  setTracker({ track: tracked, flush: async () => undefined, setEnabled: () => undefined });
  render(
    <QueryClientProvider client={new QueryClient()}>
      <MemoryRouter initialEntries={["/"]}>
        <Routes>
          <Route path="/" element={<AccountMenu />} />
          <Route path="/login" element={<p>login page</p>} />
        </Routes>
      </MemoryRouter>
    </QueryClientProvider>,
  );
  return { fetchMock, tracked, user: userEvent.setup() };
}

async function openPasswordDialog(user: ReturnType<typeof userEvent.setup>) {
  await user.click(screen.getByRole("button", { name: /Account/ }));
  await user.click(screen.getByRole("menuitem", { name: "Change password" }));
}

async function fillPasswords(user: ReturnType<typeof userEvent.setup>, current: string, next: string, repeat: string) {
  await user.type(screen.getByLabelText("Current password"), current);
  await user.type(screen.getByLabelText("New password"), next);
  await user.type(screen.getByLabelText("Repeat new password"), repeat);
  await user.click(screen.getByRole("button", { name: "Change password" }));
}

describe("AccountMenu", () => {
  it("changes the password, tracks it and says other sessions ended", async () => {
    const session = { user: { id: 1, username: "alice", age: 30, gender: "Other" }, token: "t" };
    const { fetchMock, tracked, user } = renderMenu(jsonResponse(200, session));
    await openPasswordDialog(user);
    await fillPasswords(user, "old secret words", "violet tram under snow", "violet tram under snow");

    expect(await screen.findByRole("status")).toHaveProperty("textContent", expect.stringContaining("Password changed"));
    const [url, init] = fetchMock.mock.calls[0] as unknown as [string, RequestInit];
    expect(url).toBe("/api/v1/me/password");
    expect(JSON.parse(init.body as string)).toEqual({
      currentPassword: "old secret words",
      newPassword: "violet tram under snow",
    });
    expect(tracked.mock.calls.map(([name]) => name)).toEqual(["password_change"]);
  });

  it("refuses two different new passwords without asking the server", async () => {
    const { fetchMock, user } = renderMenu();
    await openPasswordDialog(user);
    await fillPasswords(user, "old secret words", "violet tram under snow", "violet tram under rain");
    expect(screen.getByRole("alert").textContent).toBe("The two new passwords differ.");
    expect(fetchMock).not.toHaveBeenCalled();
  });

  it("shows the server's message under the field it is about", async () => {
    const message = "Password is too easy to guess: This is a very common password.";
    const { tracked, user } = renderMenu(jsonResponse(400, { error: message, details: { newPassword: [message] } }));
    await openPasswordDialog(user);
    await fillPasswords(user, "old secret words", "password1234", "password1234");
    expect((await screen.findByRole("alert")).textContent).toBe(message);
    expect(screen.getByLabelText("New password").getAttribute("aria-invalid")).toBe("true");
    expect(tracked).not.toHaveBeenCalled();
  });

  it("signs out everywhere, tracks it and goes to the login page", async () => {
    const { fetchMock, tracked, user } = renderMenu(jsonResponse(200, { message: "Signed out everywhere" }));
    await user.click(screen.getByRole("button", { name: /Account/ }));
    await user.click(screen.getByRole("menuitem", { name: "Sign out everywhere" }));
    expect(await screen.findByText("login page")).toBeTruthy();
    expect((fetchMock.mock.calls[0] as unknown as [string])[0]).toBe("/api/v1/logout/all");
    expect(tracked.mock.calls.map(([name]) => name)).toEqual(["sign_out_everywhere"]);
  });

  it("stays signed in, still tracking, and shows why when signing out everywhere fails", async () => {
    const setEnabled = vi.fn();
    const { user } = renderMenu(jsonResponse(503, { error: "Service unavailable" }));
    setTracker({ track: vi.fn(), flush: async () => undefined, setEnabled });
    await user.click(screen.getByRole("button", { name: /Account/ }));
    await user.click(screen.getByRole("menuitem", { name: "Sign out everywhere" }));
    expect((await screen.findByRole("alert")).textContent).toBe("Service unavailable");
    expect(screen.queryByText("login page")).toBeNull();
    expect(setEnabled).not.toHaveBeenCalled();
  });
});
