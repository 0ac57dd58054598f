// @vitest-environment jsdom
import { cleanup, screen, waitFor } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";

import { setTracker } from "../../../lib/tracking";
import { json, PROJECT, renderAt, stubApi, trackedNames } from "../testing/fakeApi";
import { InvitePage } from "./InvitePage";

afterEach(() => {
  cleanup();
  setTracker(null);
  vi.unstubAllGlobals();
});

const PREVIEW = { project: { slug: "shop", name: "Shop" }, role: "viewer", expiresAt: "2026-12-10T07:00:00Z" };
const renderInvite = (username: string | null) =>
  renderAt("/invite/obi_tok", "/invite/:token", <InvitePage token="obi_tok" username={username} />);

describe("InvitePage", () => {
  it("shows the project and role, and sends a visitor to register with the invitation or sign in", async () => {
    stubApi({ "GET /invitations/obi_tok": json(200, PREVIEW) });
    renderInvite(null);
    expect(await screen.findByRole("heading", { name: "Join Shop" })).toBeTruthy();
    expect(screen.getByTestId("invitation-role").textContent).toBe("viewer");
    expect(screen.getByRole("link", { name: "Create an account and join" }).getAttribute("href")).toBe("/register?invitation=obi_tok");
    expect(screen.getByRole("link", { name: "I have an account: sign in" }).getAttribute("href")).toBe(
      `/login?next=${encodeURIComponent("/invite/obi_tok")}`,
    );
  });

  it("accepts for a signed-in user, tracks it and opens the project's dashboard", async () => {
    const calls = stubApi({
      "GET /invitations/obi_tok": json(200, PREVIEW),
      "POST /invitations/obi_tok/accept": json(200, { ...PROJECT, role: "viewer" }),
    });
    const { user, tracked } = renderInvite("vic");
    await user.click(await screen.findByRole("button", { name: "Accept as vic" }));
    await waitFor(() => expect(screen.getByTestId("location").textContent).toBe("/?project=shop"));
    expect(calls.map((call) => `${call.method} ${call.path}`)).toContain("POST /invitations/obi_tok/accept");
    expect(trackedNames(tracked)).toEqual(["invitation_accept"]);
  });

  it("says clearly when the invitation is unknown, used, revoked or expired", async () => {
    stubApi({ "GET /invitations/obi_tok": json(404, { error: "No such invitation" }) });
    renderInvite("vic");
    expect(await screen.findByRole("heading", { name: "This invitation is no longer valid" })).toBeTruthy();
    expect(screen.queryByRole("button", { name: /Accept/ })).toBeNull();
  });

  it("says so too when the invitation is used up between showing and accepting", async () => {
    stubApi({
      "GET /invitations/obi_tok": json(200, PREVIEW),
      "POST /invitations/obi_tok/accept": json(404, { error: "No such invitation" }),
    });
    const { user, tracked } = renderInvite("vic");
    await user.click(await screen.findByRole("button", { name: "Accept as vic" }));
    expect(await screen.findByTestId("invitation-invalid")).toBeTruthy();
    expect(tracked).not.toHaveBeenCalled();
  });
});
