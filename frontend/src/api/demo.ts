// The seeded demo login, when demo data is loaded.
import { ApiError, apiRequest } from "./client";

export interface DemoCredentials {
  username: string;
  password: string;
}

export async function fetchDemoCredentials(signal?: AbortSignal): Promise<DemoCredentials | null> {
  try {
    return await apiRequest<DemoCredentials>("/demo", { signal, skipAuthRedirect: true });
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return null;
    throw error;
  }
}
