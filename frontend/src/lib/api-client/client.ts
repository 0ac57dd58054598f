// One fetch wrapper for the whole dashboard: cookies, the CSRF header and one error type.
import { csrfToken, requestHeaders } from "./csrf";
import { ApiError, toApiError } from "./errors";

export const API_BASE = "/api/v1";

type Unauthorized = () => void;
let onUnauthorized: Unauthorized = () => undefined;
// The request replacing this tab's session token (a password change), while it runs.
let renewal: Promise<unknown> | null = null;

/** Let the app decide what a 401 means (it sends the user to the login page). */
export function setUnauthorizedHandler(handler: Unauthorized): void {
  onUnauthorized = handler;
}

/** The query string for a set of parameters, leaving out empty ones. */
export function queryString(params: object): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== "") search.set(key, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : "";
}

/** Call the API and return its JSON body, or throw ApiError. */
export async function apiRequest<T>(
  path: string,
  options: {
    method?: string;
    body?: unknown;
    signal?: AbortSignal;
    /** A 401 is the caller's to handle (sign-in forms, public pages, share links). */
    skipAuthRedirect?: boolean;
    /** Extra headers, e.g. X-Ouroboard-Share for a share link's reads. */
    headers?: Record<string, string>;
    /** This request replaces the session's token and refuses older ones (a password change). */
    renewsSession?: boolean;
    /** Set on the one retry of a request refused with a token replaced in the meantime. */
    retried?: boolean;
  } = {},
): Promise<T> {
  const method = options.method ?? "GET";
  // Each session token comes with its own readable CSRF cookie, so this says which token
  // the request went out with.
  const sentWith = csrfToken();
  let response: Response;
  try {
    const sent = fetch(`${API_BASE}${path}`, {
      method,
      credentials: "same-origin",
      headers: { ...requestHeaders(method), ...options.headers },
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: options.signal,
    });
    if (options.renewsSession) {
      const settled = sent.catch(() => undefined);
      renewal = settled;
      void settled.then(() => {
        if (renewal === settled) renewal = null;
      });
    }
    response = await sent;
  } catch (error) {
    if (error instanceof DOMException && error.name === "AbortError") throw error;
    throw new ApiError(0, "Cannot reach the server. Check your connection and retry.");
  }
  if (!response.ok) {
    const error = await toApiError(response);
    if (response.status === 401 && !options.skipAuthRedirect) {
      // A password change replaces this tab's token and refuses every older one: a request
      // that left before the new cookie arrived is refused, but the session goes on. Wait
      // for a change still under way, then retry once with the new token instead of
      // signing the user out.
      if (renewal) await renewal;
      const current = csrfToken();
      if (!options.retried && current !== undefined && current !== sentWith) {
        return apiRequest<T>(path, { ...options, retried: true });
      }
      onUnauthorized();
    }
    throw error;
  }
  // 204 No Content (a DELETE, a leave) has no body to parse.
  if (response.status === 204) return undefined as T;
  return (await response.json()) as T;
}
