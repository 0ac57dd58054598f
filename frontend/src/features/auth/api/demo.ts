// The seeded demo login, when demo data is loaded.
import { apiRequest, type Schema } from "../../../lib/api-client";

export type DemoCredentials = Schema<"DemoCredentials">;

/** The demo login, or null: without demo data the server answers 204 (no failed request in
 * the console). */
export async function fetchDemoCredentials(signal?: AbortSignal): Promise<DemoCredentials | null> {
  const credentials = await apiRequest<DemoCredentials | undefined>("/demo", { signal, skipAuthRedirect: true });
  return credentials ?? null;
}
