// The seeded demo login, when demo data is loaded.
import { ApiError, apiRequest, type Schema } from "../../../lib/api-client";

export type DemoCredentials = Schema<"DemoCredentials">;

export async function fetchDemoCredentials(signal?: AbortSignal): Promise<DemoCredentials | null> {
  try {
    return await apiRequest<DemoCredentials>("/demo", { signal, skipAuthRedirect: true });
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return null;
    throw error;
  }
}
