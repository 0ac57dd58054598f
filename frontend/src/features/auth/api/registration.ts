// Who may register (GET /registration), and the invitation a registration may carry.
import { ApiError, apiRequest, type Schema } from "../../../lib/api-client";

/** The registration mode, and whether no account exists yet (the first may always register). */
export type Registration = Schema<"Registration">;
export type InvitationSummary = Schema<"InvitationPreview">;

export const registrationQueryKey = ["auth", "registration"] as const;

export function fetchRegistration(signal?: AbortSignal): Promise<Registration> {
  return apiRequest<Registration>("/registration", { signal, skipAuthRedirect: true });
}

/** The invitation behind a registration link, or null when it is unknown, used or expired. */
export async function fetchInvitationSummary(token: string, signal?: AbortSignal): Promise<InvitationSummary | null> {
  try {
    return await apiRequest<InvitationSummary>(`/invitations/${encodeURIComponent(token)}`, { signal, skipAuthRedirect: true });
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return null;
    throw error;
  }
}
