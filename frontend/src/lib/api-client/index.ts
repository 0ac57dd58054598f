// The API client: fetch with cookies and CSRF, one error type, and the server's generated types.
export { API_BASE, apiRequest, queryString, setUnauthorizedHandler } from "./client";
export { readCookie, requestHeaders } from "./csrf";
export { ApiError } from "./errors";
export type { QueryParams, Schema } from "./types";
