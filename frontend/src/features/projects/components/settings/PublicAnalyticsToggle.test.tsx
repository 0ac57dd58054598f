// @vitest-environment jsdom
import { cleanup, screen, waitFor, within } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";

import { setTracker } from "../../../../lib/tracking";
import { ProjectSettingsPage } from "../../pages/ProjectSettingsPage";
import { json, PROJECT, renderAt, stubApi, trackedNames } from "../../testing/fakeApi";

afterEach(() => {
  cleanup();
  setTracker(null);
  vi.unstubAllGlobals();
});

const ADMIN_LISTS = {
  "GET /projects/shop/members": json(200, { members: [] }),
  "GET /projects/shop/invitations": json(200, { invitations: [] }),
  "GET /projects/shop/keys": json(200, { keys: [] }),
  "GET /projects/shop/share-links": json(200, { shareLinks: [] }),
};

const renderSettings = () => renderAt("/settings/shop", "/settings/:slug", <ProjectSettingsPage slug="shop" userId={1} />);
const toggle = async () =>
  (await within(await screen.findByRole("region", { name: "Sharing" })).findByRole("checkbox", { name: /Public analytics/ })) as HTMLInputElement;

describe("PublicAnalyticsToggle", () => {
  it("turns public analytics on and off by PATCHing the project, tracked", async () => {
    let publicSharing = false;
    const calls = stubApi({
      "GET /projects/shop": () => json(200, { ...PROJECT, publicSharing }),
      ...ADMIN_LISTS,
      "PATCH /projects/shop": (call) => {
        publicSharing = (call.body as { publicSharing: boolean }).publicSharing;
        return json(200, { ...PROJECT, publicSharing });
      },
    });
    const { user, tracked } = renderSettings();
    const box = await toggle();
    expect(box.checked).toBe(false);
    expect(screen.getByTestId("public-analytics").textContent).toContain("Anyone who knows the project’s slug (shop) can then read its analytics without a link");

    await user.click(box);
    await waitFor(async () => expect((await toggle()).checked).toBe(true));
    await waitFor(async () => expect((await toggle()).disabled).toBe(false));
    await user.click(await toggle());
    await waitFor(async () => expect((await toggle()).checked).toBe(false));

    const patches = calls.filter((call) => call.method === "PATCH").map((call) => call.body);
    expect(patches).toEqual([{ publicSharing: true }, { publicSharing: false }]);
    await waitFor(() => expect(trackedNames(tracked)).toEqual(["project_update", "project_update"]));
  });

  it("shows a refusal and keeps the stored state", async () => {
    stubApi({
      "GET /projects/shop": json(200, { ...PROJECT, publicSharing: false }),
      ...ADMIN_LISTS,
      "PATCH /projects/shop": json(403, { error: "This needs the admin role in 'shop'" }),
    });
    const { user, tracked } = renderSettings();
    await user.click(await toggle());
    const section = screen.getByTestId("public-analytics");
    expect((await within(section).findByRole("alert")).textContent).toContain("Could not change public analytics: This needs the admin role");
    expect((await toggle()).checked).toBe(false);
    expect((await toggle()).disabled).toBe(false);
    expect(trackedNames(tracked)).toEqual([]);
  });
});
