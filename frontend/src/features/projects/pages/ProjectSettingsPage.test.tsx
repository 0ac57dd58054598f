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

  it("creates a key with a Plausible domain and shows each tool's setup with the new key", async () => {
    const calls = stubApi({
      "GET /projects/shop": json(200, PROJECT),
      ...ADMIN_LISTS,
      "POST /projects/shop/keys": json(201, {
        id: 5, name: "blog", prefix: "obk_XyZw", createdAt: "2026-12-03T07:00:00Z", lastUsedAt: null, revokedAt: null, allowsImport: false,
        siteDomain: "blog.example.com", key: "obk_XyZw_full_secret",
      }),
    });
    const { user, tracked } = renderSettings();
    const section = await screen.findByRole("region", { name: "Ingestion keys" });
    await user.type(within(section).getByLabelText("Key name"), "blog");
    await user.type(within(section).getByLabelText("Plausible domain"), " https://www.Blog.example.com/ ");
    await user.click(within(section).getByRole("button", { name: "Create key" }));

    await screen.findByTestId("created-key-value");
    expect(calls.find((call) => call.method === "POST")?.body).toEqual({ name: "blog", allowsImport: false, siteDomain: "https://www.Blog.example.com/" });
    const setup = (tool: string) => (screen.getByTestId(`setup-${tool}`) as HTMLTextAreaElement).value;
    const origin = window.location.origin;
    expect(setup("plausible")).toBe(`<script defer data-domain="blog.example.com" data-api="${origin}/api/event" src="https://plausible.io/js/script.js"></script>`);
    expect(setup("umami")).toContain(`data-website-id="obk_XyZw_full_secret" data-host-url="${origin}"`);
    expect(setup("posthog")).toBe(`posthog.init("obk_XyZw_full_secret", { api_host: "${origin}" })`);
    expect(setup("segment")).toBe(`analytics.write_key = "obk_XyZw_full_secret"\nanalytics.host = "${origin}"`);
    expect(trackedNames(tracked)).toEqual(["ingest_key_create"]);
  });

  it("sets and clears a key's Plausible domain, and says when another key holds it", async () => {
    let domain: string | null = null;
    const keyList = () => json(200, { keys: [{ id: 4, name: "website", prefix: "obk_AbCd", createdAt: "2026-12-01T10:00:00Z", lastUsedAt: null, revokedAt: null, allowsImport: false, siteDomain: domain }] });
    const calls = stubApi({
      "GET /projects/shop": json(200, PROJECT),
      ...ADMIN_LISTS,
      "GET /projects/shop/keys": keyList,
      "PATCH /projects/shop/keys/4": (call) => {
        const wanted = (call.body as { siteDomain: string | null }).siteDomain;
        if (wanted === "taken.com") return json(409, { error: "The site domain 'taken.com' belongs to another ingestion key" });
        domain = wanted;
        return json(200, {});
      },
    });
    const { user, tracked } = renderSettings();
    const row = await screen.findByTestId("key-website");
    await user.click(within(row).getByRole("button", { name: "Domain" }));
    const form = screen.getByTestId("domain-form-website");
    await user.type(within(form).getByLabelText("Plausible domain of website"), "taken.com");
    await user.click(within(form).getByRole("button", { name: "Save" }));
    expect((await screen.findByRole("alert")).textContent).toContain("belongs to another ingestion key");

    await user.clear(within(form).getByLabelText("Plausible domain of website"));
    await user.type(within(form).getByLabelText("Plausible domain of website"), "shop.example.com");
    await user.click(within(form).getByRole("button", { name: "Save" }));
    expect((await screen.findByTestId("key-website-domain")).textContent).toBe("Plausible: shop.example.com");
    expect(screen.queryByTestId("domain-form-website")).toBeNull();

    await user.click(within(screen.getByTestId("key-website")).getByRole("button", { name: "Domain" }));
    await user.click(within(screen.getByTestId("domain-form-website")).getByRole("button", { name: "Clear" }));
    await waitFor(() => expect(screen.queryByTestId("key-website-domain")).toBeNull());
    const patches = calls.filter((call) => call.method === "PATCH").map((call) => call.body);
    expect(patches).toEqual([{ siteDomain: "taken.com" }, { siteDomain: "shop.example.com" }, { siteDomain: null }]);
    expect(trackedNames(tracked)).toEqual(["ingest_key_update", "ingest_key_update"]);
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
