// @vitest-environment jsdom
import { afterEach, describe, expect, it, vi } from "vitest";

import { ApiError, apiRequest, readCookie, requestHeaders, setUnauthorizedHandler } from ".";

function jsonResponse(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
}

afterEach(() => {
  vi.unstubAllGlobals();
  document.cookie = "csrf_access_token=; expires=Thu, 01 Jan 1970 00:00:00 GMT";
  vi.restoreAllMocks();
  setUnauthorizedHandler(() => undefined);
});

describe("requestHeaders", () => {
  it("sends the CSRF cookie back as X-CSRF-TOKEN on writes only", () => {
    document.cookie = "csrf_access_token=abc%20123";
    expect(readCookie("csrf_access_token")).toBe("abc 123");
    expect(requestHeaders("POST")["X-CSRF-TOKEN"]).toBe("abc 123");
    expect(requestHeaders("GET")["X-CSRF-TOKEN"]).toBeUndefined();
  });

  it("reads production's __Host- CSRF cookie too", () => {
    // jsdom runs on http://, where a browser keeps no __Host- cookie; read one as https would.
    vi.spyOn(document, "cookie", "get").mockReturnValue("theme=dark; __Host-csrf_access_token=prod-token");
    expect(requestHeaders("POST")["X-CSRF-TOKEN"]).toBe("prod-token");
  });
});

describe("apiRequest", () => {
  it("returns the JSON body on success", async () => {
    vi.stubGlobal("fetch", vi.fn(async () => jsonResponse(200, { user: { id: 1 } })));
    await expect(apiRequest("/me")).resolves.toEqual({ user: { id: 1 } });
  });

  it("turns an error body into ApiError with field details", async () => {
    vi.stubGlobal(
      "fetch",
      vi.fn(async () => jsonResponse(400, { error: "Invalid request", details: { age: ["Too old."] } })),
    );
    const error = await apiRequest("/register", { method: "POST", body: {} }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).status).toBe(400);
    expect((error as ApiError).fieldError("age")).toBe("Too old.");
  });

  it("calls the unauthorized handler on 401 unless told not to", async () => {
    const handler = vi.fn();
    setUnauthorizedHandler(handler);
    vi.stubGlobal("fetch", vi.fn(async () => jsonResponse(401, { error: "Authentication required" })));
    await expect(apiRequest("/me")).rejects.toBeInstanceOf(ApiError);
    expect(handler).toHaveBeenCalledTimes(1);
    await expect(apiRequest("/me", { skipAuthRedirect: true })).rejects.toBeInstanceOf(ApiError);
    expect(handler).toHaveBeenCalledTimes(1);
  });

  it("reports a network failure as status 0", async () => {
    vi.stubGlobal("fetch", vi.fn(async () => Promise.reject(new TypeError("Failed to fetch"))));
    const error = (await apiRequest("/me").catch((e: unknown) => e)) as ApiError;
    expect(error.status).toBe(0);
    expect(error.message).toMatch(/Cannot reach the server/);
  });

  it("adds the caller's headers and answers undefined for 204 No Content", async () => {
    const fetchMock = vi.fn(async () => new Response(null, { status: 204 }));
    vi.stubGlobal("fetch", fetchMock);
    await expect(apiRequest("/projects/shop/keys/1", { method: "DELETE", headers: { "X-Ouroboard-Share": "obs_x" } }))
      .resolves.toBeUndefined();
    const init = (fetchMock.mock.calls[0] as unknown as [string, RequestInit])[1];
    expect(init.headers).toMatchObject({ "X-Ouroboard-Share": "obs_x", Accept: "application/json" });
  });
});
