// @vitest-environment jsdom
import { cleanup, screen } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";

import { setUnauthorizedHandler } from "../../../lib/api-client";
import { json, renderAt, stubApi } from "../testing/fakeApi";
import { SharedProjectGate } from "./SharedProjectGate";

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
  setUnauthorizedHandler(() => undefined);
});

const renderGate = () =>
  renderAt(
    "/share/obs_tok",
    "/share/:token",
    <SharedProjectGate token="obs_tok">{(project) => <p>dashboard of {project.name} in {project.timezone}</p>}</SharedProjectGate>,
  );

describe("SharedProjectGate", () => {
  it("checks the link with its header and renders the shared project's dashboard", async () => {
    const calls = stubApi({ "GET /share": json(200, { project: { slug: "shop", name: "Shop", timezone: "Asia/Tokyo" } }) });
    renderGate();
    expect(await screen.findByText("dashboard of Shop in Asia/Tokyo")).toBeTruthy();
    expect(calls[0]?.headers["X-Ouroboard-Share"]).toBe("obs_tok");
  });

  it("shows that a revoked link is no longer valid, without sending anyone to sign in", async () => {
    const onUnauthorized = vi.fn();
    setUnauthorizedHandler(onUnauthorized);
    stubApi({ "GET /share": json(401, { error: "This share link is unknown or has been revoked" }) });
    renderGate();
    expect(await screen.findByRole("heading", { name: "This link is no longer valid" })).toBeTruthy();
    expect(screen.queryByText(/dashboard of/)).toBeNull();
    expect(onUnauthorized).not.toHaveBeenCalled();
  });
});
