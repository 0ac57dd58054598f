// One fetch wrapper for the whole dashboard: cookies, the CSRF header and one error type.

export const API_BASE = "/api/v1";

const MUTATING_METHODS = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/** An error answered by the API, carrying its message and per-field details. */
export class ApiError extends Error {
  readonly status: number;
  readonly details: Record<string, string[]>;

  constructor(status: number, message: string, details: Record<string, string[]> = {}) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.details = details;
  }

  /** The first message for a field, for showing under a form input. */
  fieldError(field: string): string | undefined {
    return this.details[field]?.[0];
  }
}

/** Read a cookie by name (the CSRF cookie is deliberately readable by the page). */
export function readCookie(name: string): string | undefined {
  const prefix = `${name}=`;
  for (const part of document.cookie.split(";")) {
    const trimmed = part.trim();
    if (trimmed.startsWith(prefix)) return decodeURIComponent(trimmed.slice(prefix.length));
  }
  return undefined;
}

/** Headers every request needs: JSON, and the double-submit CSRF token on writes. */
export function requestHeaders(method: string): Record<string, string> {
  const headers: Record<string, string> = { Accept: "application/json" };
  if (MUTATING_METHODS.has(method)) {
    headers["Content-Type"] = "application/json";
    const csrf = readCookie("csrf_access_token");
    if (csrf) headers["X-CSRF-TOKEN"] = csrf;
  }
  return headers;
}

type Unauthorized = () => void;
let onUnauthorized: Unauthorized = () => undefined;

/** Let the app decide what a 401 means (it sends the user to the login page). */
export function setUnauthorizedHandler(handler: Unauthorized): void {
  onUnauthorized = handler;
}

async function toApiError(response: Response): Promise<ApiError> {
  try {
    const body = (await response.json()) as { error?: string; details?: Record<string, string[]> };
    return new ApiError(response.status, body.error ?? response.statusText, body.details ?? {});
  } catch {
    return new ApiError(response.status, response.statusText || "Request failed");
  }
}

/** Call the API and return its JSON body, or throw ApiError. */
export async function apiRequest<T>(
  path: string,
  options: { method?: string; body?: unknown; signal?: AbortSignal; skipAuthRedirect?: boolean } = {},
): Promise<T> {
  const method = options.method ?? "GET";
  let response: Response;
  try {
    response = await fetch(`${API_BASE}${path}`, {
      method,
      credentials: "same-origin",
      headers: requestHeaders(method),
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: options.signal,
    });
  } catch (error) {
    if (error instanceof DOMException && error.name === "AbortError") throw error;
    throw new ApiError(0, "Cannot reach the server. Check your connection and retry.");
  }
  if (!response.ok) {
    const error = await toApiError(response);
    if (response.status === 401 && !options.skipAuthRedirect) onUnauthorized();
    throw error;
  }
  return (await response.json()) as T;
}
