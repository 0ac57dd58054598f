// @vitest-environment jsdom
import { cleanup, screen, waitFor } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";

import { setTracker } from "../../../lib/tracking";
import { json, PROJECT, renderAt, stubApi, trackedNames } from "../testing/fakeApi";
import { NewProjectPage } from "./NewProjectPage";

afterEach(() => {
  cleanup();
  setTracker(null);
  vi.unstubAllGlobals();
});

describe("NewProjectPage (first run)", () => {
  it("creates the project, then its first key once, and shows the snippet to copy", async () => {
    const calls = stubApi({
      "POST /projects": json(201, { ...PROJECT, timezone: "Asia/Tokyo" }),
      "POST /projects/shop/keys": json(201, {
        id: 1, name: "website", prefix: "obk_Ab", createdAt: "2026-12-03T07:00:00Z", lastUsedAt: null, revokedAt: null, allowsImport: false, key: "obk_Ab_secret",
      }),
      "GET /projects": json(200, { projects: [PROJECT] }),
    });
    const { user, tracked } = renderAt("/", "/", <NewProjectPage first />);
    expect(screen.getByRole("heading", { name: "Create your first project" })).toBeTruthy();
    await user.type(screen.getByLabelText("Project name"), "  Shop ");
    await user.selectOptions(screen.getByLabelText("Time zone"), "Asia/Tokyo");
    await user.click(screen.getByRole("button", { name: "Create project" }));

    const snippet = (await screen.findByTestId("tracker-snippet")) as HTMLTextAreaElement;
    expect(snippet.value).toContain('data-key="obk_Ab_secret"');
    expect(calls.filter((call) => call.method === "POST").map((call) => [call.path, call.body])).toEqual([
      ["/projects", { name: "Shop", timezone: "Asia/Tokyo" }],
      ["/projects/shop/keys", { name: "website", allowsImport: false }],
    ]);
    expect(trackedNames(tracked)).toEqual(["project_create", "ingest_key_create"]);

    await user.click(screen.getByRole("button", { name: "Open the dashboard" }));
    await waitFor(() => expect(screen.getByTestId("location").textContent).toBe("/?project=shop"));
  });

  it("shows the server's reason under the name", async () => {
    stubApi({ "POST /projects": json(409, { error: "Slug taken", details: { slug: ["The slug 'shop' is taken"] } }) });
    const { user } = renderAt("/", "/", <NewProjectPage first />);
    await user.type(screen.getByLabelText("Project name"), "Shop");
    await user.click(screen.getByRole("button", { name: "Create project" }));
    expect((await screen.findByRole("alert")).textContent).toBe("The slug 'shop' is taken");
  });
});
