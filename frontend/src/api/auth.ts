// The auth resource: register, log in, log out and the current user.
import { apiRequest } from "./client";

export type Gender = "Male" | "Female" | "Other";
export const GENDERS: Gender[] = ["Male", "Female", "Other"];

export interface User {
  id: number;
  username: string;
  age: number;
  gender: Gender;
}

export interface SessionResponse {
  user: User;
  token: string;
}

export interface RegisterInput {
  username: string;
  password: string;
  age: number | string;
  gender: Gender;
}

export const meQueryKey = ["auth", "me"] as const;

export function register(input: RegisterInput): Promise<SessionResponse> {
  return apiRequest<SessionResponse>("/register", { method: "POST", body: input, skipAuthRedirect: true });
}

export function login(username: string, password: string): Promise<SessionResponse> {
  return apiRequest<SessionResponse>("/login", {
    method: "POST",
    body: { username, password },
    skipAuthRedirect: true,
  });
}

export function logout(): Promise<{ message: string }> {
  return apiRequest<{ message: string }>("/logout", { method: "POST", skipAuthRedirect: true });
}

/** The logged-in user, or null when there is no session. */
export async function fetchMe(signal?: AbortSignal): Promise<User | null> {
  try {
    const body = await apiRequest<{ user: User }>("/me", { signal, skipAuthRedirect: true });
    return body.user;
  } catch (error) {
    if (error instanceof Error && "status" in error && (error as { status: number }).status === 401) {
      return null;
    }
    throw error;
  }
}
