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

  it("retries once, without signing out, a request refused because its token was replaced meanwhile", async () => {
    const handler = vi.fn();
    setUnauthorizedHandler(handler);
    document.cookie = "csrf_access_token=old-token; path=/";
    const fetchMock = vi.fn(async () => {
      if (fetchMock.mock.calls.length === 1) {
        // the password change's answer set a new session cookie while this request was out
        document.cookie = "csrf_access_token=new-token; path=/";
        return jsonResponse(401, { error: "Token has been revoked" });
      }
      return jsonResponse(200, { ok: true });
    });
    vi.stubGlobal("fetch", fetchMock);
    await expect(apiRequest("/analytics/summary")).resolves.toEqual({ ok: true });
    expect(fetchMock).toHaveBeenCalledTimes(2);
    expect(handler).not.toHaveBeenCalled();
  });

  it("waits for a password change under way before deciding that a 401 signs out", async () => {
    const handler = vi.fn();
    setUnauthorizedHandler(handler);
    document.cookie = "csrf_access_token=old-token; path=/";
    let answerChange: (response: Response) => void = () => undefined;
    const fetchMock = vi.fn(async (url: string) => {
      if (url.endsWith("/me/password")) {
        return new Promise<Response>((resolve) => {
          answerChange = resolve;
        });
      }
      // the refetch that left with the old token is refused before the change answers
      return fetchMock.mock.calls.length === 2 ? jsonResponse(401, { error: "Token has been revoked" })
        : jsonResponse(200, { ok: true });
    });
    vi.stubGlobal("fetch", fetchMock);
    const change = apiRequest("/me/password", { method: "POST", body: {}, skipAuthRedirect: true, renewsSession: true });
    const refetch = apiRequest("/analytics/summary");
    await vi.waitFor(() => expect(fetchMock).toHaveBeenCalledTimes(2));
    document.cookie = "csrf_access_token=new-token; path=/";
    answerChange(jsonResponse(200, { user: { id: 1 } }));
    await expect(change).resolves.toEqual({ user: { id: 1 } });
    await expect(refetch).resolves.toEqual({ ok: true });
    expect(fetchMock).toHaveBeenCalledTimes(3);
    expect(handler).not.toHaveBeenCalled();
  });

  it("signs out on a 401 when the token is the one the request was sent with, or after one retry", async () => {
    const handler = vi.fn();
    setUnauthorizedHandler(handler);
    document.cookie = "csrf_access_token=same-token; path=/";
    const unchanged = vi.fn(async () => jsonResponse(401, { error: "Token has been revoked" }));
    vi.stubGlobal("fetch", unchanged);
    await expect(apiRequest("/analytics/summary")).rejects.toBeInstanceOf(ApiError);
    expect(unchanged).toHaveBeenCalledTimes(1);
    expect(handler).toHaveBeenCalledTimes(1);

    let serial = 0;
    const alwaysNew = vi.fn(async () => {
      serial += 1;
      document.cookie = `csrf_access_token=token-${serial}; path=/`;
      return jsonResponse(401, { error: "Token has been revoked" });
    });
    vi.stubGlobal("fetch", alwaysNew);
    await expect(apiRequest("/analytics/summary")).rejects.toBeInstanceOf(ApiError);
    expect(alwaysNew).toHaveBeenCalledTimes(2);
    expect(handler).toHaveBeenCalledTimes(2);
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
