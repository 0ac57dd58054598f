// What each role may do in the dashboard (the server checks the same on every request).
import type { Role } from "../api/types";

/** Admins and owners manage settings, members, invitations, keys and sharing. */
export const canManage = (role: Role | null | undefined): boolean => role === "owner" || role === "admin";

const ROLE_LABELS: Record<Role, string> = { owner: "Owner", admin: "Admin", viewer: "Viewer" };

/** A role's name for people ("Admin"); an invitation's role is typed as any string. */
export function roleLabel(role: string): string {
  return ROLE_LABELS[role as Role] ?? role;
}
