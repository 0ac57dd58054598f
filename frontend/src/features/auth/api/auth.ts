// The auth resource: register, log in, log out and the session probe.
import { apiRequest, type Schema } from "../../../lib/api-client";

export type User = Schema<"User">;
export type Gender = Schema<"Register">["gender"];
export const GENDERS: Gender[] = ["Male", "Female", "Other"];

type SessionResponse = Schema<"Session">;
/** The register form sends the age as typed; the server validates and converts it. */
export type RegisterInput = Omit<Schema<"Register">, "age"> & { age: Schema<"Register">["age"] | string };
export type LoginInput = Schema<"Login">;
export type ChangePasswordInput = Schema<"ChangePassword">;

export const meQueryKey = ["auth", "me"] as const;

export function register(input: RegisterInput): Promise<SessionResponse> {
  return apiRequest<SessionResponse>("/register", { method: "POST", body: input, skipAuthRedirect: true });
}

export function login({ username, password }: LoginInput): Promise<SessionResponse> {
  return apiRequest<SessionResponse>("/login", {
    method: "POST",
    body: { username, password },
    skipAuthRedirect: true,
  });
}

export function logout(): Promise<Schema<"Message">> {
  return apiRequest<Schema<"Message">>("/logout", { method: "POST", skipAuthRedirect: true });
}

/** Sign out every session of this user, this one included. */
export function logoutEverywhere(): Promise<Schema<"Message">> {
  return apiRequest<Schema<"Message">>("/logout/all", { method: "POST", skipAuthRedirect: true });
}

/** Change the password; other sessions end, this one continues with a fresh cookie. */
export function changePassword(input: ChangePasswordInput): Promise<SessionResponse> {
  return apiRequest<SessionResponse>("/me/password", {
    method: "POST",
    body: input,
    skipAuthRedirect: true,
    renewsSession: true,
  });
}

/** The signed-in user, or null. The session probe answers 200 either way (GET /me answers
 * 401 when signed out), so opening the sign-in page logs no failed request in the console. */
export async function fetchSessionUser(signal?: AbortSignal): Promise<User | null> {
  const body = await apiRequest<Schema<"SessionState">>("/session", { signal, skipAuthRedirect: true });
  // The generated type of a nullable object also admits {}; the server sends a user or null.
  return (body.user as User | null) ?? null;
}
