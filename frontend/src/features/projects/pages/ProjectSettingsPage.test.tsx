// @vitest-environment jsdom
import { cleanup, screen, waitFor, within } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";

import { setTracker } from "../../../lib/tracking";
import { json, PROJECT, renderAt, stubApi, trackedNames } from "../testing/fakeApi";
import { ProjectSettingsPage } from "./ProjectSettingsPage";

afterEach(() => {
  cleanup();
  setTracker(null);
  vi.unstubAllGlobals();
});

const MEMBERS = {
  members: [
    { userId: 1, username: "olga", role: "owner", joinedAt: "2026-12-01T10:00:00Z" },
    { userId: 2, username: "vic", role: "viewer", joinedAt: "2026-12-02T10:00:00Z" },
  ],
};
const ADMIN_LISTS = {
  "GET /projects/shop/members": json(200, MEMBERS),
  "GET /projects/shop/invitations": json(200, { invitations: [] }),
  "GET /projects/shop/keys": json(200, {
    keys: [{ id: 4, name: "website", prefix: "obk_AbCd", createdAt: "2026-12-01T10:00:00Z", lastUsedAt: null, revokedAt: null, allowsImport: false }],
  }),
  "GET /projects/shop/share-links": json(200, { shareLinks: [] }),
};

const renderSettings = () => renderAt("/settings/shop", "/settings/:slug", <ProjectSettingsPage slug="shop" userId={1} />);

describe("ProjectSettingsPage", () => {
  it("tells a viewer the admin role is needed, and asks for nothing an admin reads", async () => {
    const calls = stubApi({ "GET /projects/shop": json(200, { ...PROJECT, role: "viewer" }) });
    renderSettings();
    expect(await screen.findByRole("heading", { name: "You need the admin role" })).toBeTruthy();
    expect(screen.getByTestId("settings-forbidden").textContent).toContain("You are a viewer of Shop");
    expect(screen.queryByRole("region", { name: "Members" })).toBeNull();
    expect(screen.getByRole("link", { name: "Back to the dashboard" }).getAttribute("href")).toBe("/?project=shop");
    expect(new Set(calls.map((call) => call.path))).toEqual(new Set(["/projects/shop"]));
  });

  it("says a project that is not the user's does not exist (the API's 404)", async () => {
    stubApi({ "GET /projects/shop": json(404, { error: "No project 'shop'" }) });
    renderSettings();
    expect(await screen.findByRole("heading", { name: "No such project" })).toBeTruthy();
    expect(screen.getByTestId("project-missing").textContent).toContain("shop");
  });

  it("creates an invitation and shows its absolute link once, tracked", async () => {
    let invitations = { invitations: [] as unknown[] };
    const calls = stubApi({
      "GET /projects/shop": json(200, PROJECT),
      ...ADMIN_LISTS,
      "GET /projects/shop/invitations": () => json(200, invitations),
      "POST /projects/shop/invitations": () => {
        invitations = {
          invitations: [{ id: 9, role: "admin", createdAt: "2026-12-03T07:00:00Z", expiresAt: "2026-12-06T07:00:00Z", createdBy: "olga", status: "pending" }],
        };
        return json(201, { id: 9, role: "admin", createdAt: "2026-12-03T07:00:00Z", expiresAt: "2026-12-06T07:00:00Z", token: "obi_t", acceptUrl: "/invite/obi_t" });
      },
    });
    const { user, tracked } = renderSettings();
    const section = await screen.findByRole("region", { name: "Invitations" });
    await user.selectOptions(within(section).getByLabelText("Role"), "admin");
    await user.selectOptions(within(section).getByLabelText("Expires after"), "3");
    await user.click(within(section).getByRole("button", { name: "Create invitation" }));

    expect(((await screen.findByTestId("invitation-link")) as HTMLInputElement).value).toBe(`${window.location.origin}/invite/obi_t`);
    expect(calls.find((call) => call.method === "POST")?.body).toEqual({ role: "admin", expiresInDays: 3 });
    expect(await within(section).findByText("pending")).toBeTruthy();
    expect(trackedNames(tracked)).toEqual(["invitation_create"]);
  });

  it("shows a new ingestion key once with its tracker snippet, and revokes a key after asking", async () => {
    const calls = stubApi({
      "GET /projects/shop": json(200, PROJECT),
      ...ADMIN_LISTS,
      "POST /projects/shop/keys": json(201, {
        id: 5, name: "blog", prefix: "obk_XyZw", createdAt: "2026-12-03T07:00:00Z", lastUsedAt: null, revokedAt: null, allowsImport: false, key: "obk_XyZw_full_secret",
      }),
      "DELETE /projects/shop/keys/4": json(204),
    });
    const { user, tracked } = renderSettings();
    const section = await screen.findByRole("region", { name: "Ingestion keys" });
    await user.type(within(section).getByLabelText("Key name"), "blog");
    await user.click(within(section).getByRole("button", { name: "Create key" }));

    expect((await screen.findByTestId("created-key-value")).textContent).toBe("obk_XyZw_full_secret");
    const snippet = (screen.getByTestId("created-key-snippet") as HTMLTextAreaElement).value;
    expect(snippet).toBe(`<script src="${window.location.origin}/t.js" data-key="obk_XyZw_full_secret" defer></script>`);

    const row = await screen.findByTestId("key-website");
    await user.click(within(row).getByRole("button", { name: "Revoke" }));
    expect(calls.some((call) => call.method === "DELETE")).toBe(false);
    await user.click(within(row).getByRole("button", { name: "Revoke" }));
    await waitFor(() => expect(calls.some((call) => call.method === "DELETE" && call.path === "/projects/shop/keys/4")).toBe(true));
    await waitFor(() => expect(trackedNames(tracked)).toEqual(["ingest_key_create", "ingest_key_revoke"]));
  });

  it("deletes the project only once its slug is typed, then leaves for the dashboard", async () => {
    const calls = stubApi({ "GET /projects/shop": json(200, PROJECT), ...ADMIN_LISTS, "DELETE /projects/shop": json(204) });
    const { user, tracked } = renderSettings();
    const zone = await screen.findByRole("region", { name: "Danger zone" });
    const button = within(zone).getByRole("button", { name: "Delete project" });
    expect((button as HTMLButtonElement).disabled).toBe(true);
    await user.type(within(zone).getByLabelText("Type shop to confirm", { selector: "#delete-confirm" }), "shop");
    expect((button as HTMLButtonElement).disabled).toBe(false);
    await user.click(button);
    await waitFor(() => expect(screen.getByTestId("location").textContent).toBe("/"));
    expect(calls.some((call) => call.method === "DELETE" && call.path === "/projects/shop")).toBe(true);
    expect(trackedNames(tracked)).toEqual(["project_delete"]);
  });

  it("offers no deletion of the self-tracking project and no leaving to its owner", async () => {
    stubApi({ "GET /projects/shop": json(200, { ...PROJECT, isSelfTracking: true }), ...ADMIN_LISTS });
    renderSettings();
    const zone = await screen.findByRole("region", { name: "Danger zone" });
    expect(within(zone).queryByRole("button", { name: "Delete project" })).toBeNull();
    expect(within(zone).queryByRole("button", { name: "Leave project" })).toBeNull();
    expect(zone.textContent).toContain("cannot be deleted");
  });
});
