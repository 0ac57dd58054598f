// Double-submit CSRF: the API's readable cookie goes back as a header on every write.

const MUTATING_METHODS = new Set(["POST", "PUT", "PATCH", "DELETE"]);
// Production names its cookies with the __Host- prefix (Secure, whole site, no Domain);
// development and tests use the plain name.
const CSRF_COOKIE_NAMES = ["__Host-csrf_access_token", "csrf_access_token"];

/** Read a cookie by name (the CSRF cookie is deliberately readable by the page). */
export function readCookie(name: string): string | undefined {
  const prefix = `${name}=`;
  for (const part of document.cookie.split(";")) {
    const trimmed = part.trim();
    if (trimmed.startsWith(prefix)) return decodeURIComponent(trimmed.slice(prefix.length));
  }
  return undefined;
}

/** The session's CSRF token, under whichever cookie name the server uses. */
export function csrfToken(): string | undefined {
  for (const name of CSRF_COOKIE_NAMES) {
    const value = readCookie(name);
    if (value) return value;
  }
  return undefined;
}

/** Headers every request needs: JSON, and the double-submit CSRF token on writes. */
export function requestHeaders(method: string): Record<string, string> {
  const headers: Record<string, string> = { Accept: "application/json" };
  if (MUTATING_METHODS.has(method)) {
    headers["Content-Type"] = "application/json";
    const csrf = csrfToken();
    if (csrf) headers["X-CSRF-TOKEN"] = csrf;
  }
  return headers;
}
