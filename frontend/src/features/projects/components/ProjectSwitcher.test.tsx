// @vitest-environment jsdom
import { cleanup, screen, waitFor } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";

import { setTracker } from "../../../lib/tracking";
import { PROJECT, renderAt, trackedNames } from "../testing/fakeApi";
import { ProjectSwitcher } from "./ProjectSwitcher";

afterEach(() => {
  cleanup();
  setTracker(null);
});

const OUROBOARD = { ...PROJECT, slug: "ouroboard", name: "Ouroboard", role: "viewer" as const, isSelfTracking: true };

describe("ProjectSwitcher", () => {
  it("switches the project in the URL, keeps the filters and tracks it", async () => {
    const { user, tracked } = renderAt(
      "/?project=ouroboard&preset=7d",
      "/",
      <ProjectSwitcher projects={[OUROBOARD, PROJECT]} current={OUROBOARD} />,
    );
    await user.selectOptions(screen.getByLabelText("Project"), "shop");
    await waitFor(() => expect(screen.getByTestId("location").textContent).toBe("/?project=shop&preset=7d"));
    expect(trackedNames(tracked)).toEqual(["project_switch"]);
  });

  it("links to settings for admins and owners only", () => {
    renderAt("/", "/", <ProjectSwitcher projects={[OUROBOARD]} current={OUROBOARD} />);
    expect(screen.queryByRole("link", { name: "Settings" })).toBeNull();
    cleanup();
    renderAt("/", "/", <ProjectSwitcher projects={[PROJECT]} current={{ ...PROJECT, role: "admin" }} />);
    expect(screen.getByRole("link", { name: "Settings" }).getAttribute("href")).toBe("/settings/shop");
  });
});
