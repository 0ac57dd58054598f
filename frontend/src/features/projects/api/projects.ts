// The projects resource: projects, members, invitations, ingestion keys, share links and
// personal API tokens (docs: /api/docs, "projects").
import { apiRequest } from "../../../lib/api-client";
import type {
  ApiToken,
  CreatedApiToken,
  CreatedIngestKey,
  CreatedInvitation,
  CreatedShareLink,
  IngestKey,
  IngestKeyInput,
  Invitation,
  InvitedRole,
  Member,
  Project,
  ProjectChange,
  ProjectDetail,
  PublicInvitation,
  ShareLink,
  SharedProject,
} from "./types";

export const projectKeys = {
  all: ["projects"] as const,
  list: () => ["projects", "list"] as const,
  detail: (slug: string) => ["projects", "detail", slug] as const,
  members: (slug: string) => ["projects", "detail", slug, "members"] as const,
  invitations: (slug: string) => ["projects", "detail", slug, "invitations"] as const,
  keys: (slug: string) => ["projects", "detail", slug, "keys"] as const,
  shareLinks: (slug: string) => ["projects", "detail", slug, "share-links"] as const,
  tokens: () => ["projects", "tokens"] as const,
  invitation: (token: string) => ["projects", "invitation", token] as const,
  shared: (token: string) => ["projects", "shared", token] as const,
};

const at = (slug: string, rest = "") => `/projects/${encodeURIComponent(slug)}${rest}`;
const post = <T>(path: string, body?: unknown) => apiRequest<T>(path, { method: "POST", body: body ?? {} });
const remove = (path: string) => apiRequest<void>(path, { method: "DELETE" });

// Projects
export const fetchProjects = (signal?: AbortSignal) =>
  apiRequest<{ projects: Project[] }>("/projects", { signal }).then((body) => body.projects);
export const fetchProject = (slug: string, signal?: AbortSignal) => apiRequest<ProjectDetail>(at(slug), { signal });
export const createProject = (input: { name: string; timezone: string; slug?: string }) => post<Project>("/projects", input);
export const updateProject = (slug: string, change: ProjectChange) =>
  apiRequest<Project>(at(slug), { method: "PATCH", body: change });
export const deleteProject = (slug: string) => remove(at(slug));
export const transferProject = (slug: string, userId: number) => post<unknown>(at(slug, "/transfer"), { userId });
export const leaveProject = (slug: string) => post<void>(at(slug, "/leave"));

// Members
export const fetchMembers = (slug: string, signal?: AbortSignal) =>
  apiRequest<{ members: Member[] }>(at(slug, "/members"), { signal }).then((body) => body.members);
export const changeMemberRole = (slug: string, userId: number, role: InvitedRole) =>
  apiRequest<Member>(at(slug, `/members/${userId}`), { method: "PATCH", body: { role } });
export const removeMember = (slug: string, userId: number) => remove(at(slug, `/members/${userId}`));

// Invitations
export const fetchInvitations = (slug: string, signal?: AbortSignal) =>
  apiRequest<{ invitations: Invitation[] }>(at(slug, "/invitations"), { signal }).then((body) => body.invitations);
export const createInvitation = (slug: string, input: { role: InvitedRole; expiresInDays: number }) =>
  post<CreatedInvitation>(at(slug, "/invitations"), input);
export const revokeInvitation = (slug: string, id: number) => remove(at(slug, `/invitations/${id}`));
/** An invitation as anyone holding its link sees it (no sign-in); 404 once unusable. */
export const fetchInvitation = (token: string, signal?: AbortSignal) =>
  apiRequest<PublicInvitation>(`/invitations/${encodeURIComponent(token)}`, { signal, skipAuthRedirect: true });
export const acceptInvitation = (token: string) =>
  post<Project>(`/invitations/${encodeURIComponent(token)}/accept`);

// Ingestion keys
export const fetchIngestKeys = (slug: string, signal?: AbortSignal) =>
  apiRequest<{ keys: IngestKey[] }>(at(slug, "/keys"), { signal }).then((body) => body.keys);
export const createIngestKey = (slug: string, input: IngestKeyInput) => post<CreatedIngestKey>(at(slug, "/keys"), input);
/** Set or clear a key's Plausible domain (null clears it). */
export const updateIngestKey = (slug: string, id: number, change: { siteDomain: string | null }) =>
  apiRequest<IngestKey>(at(slug, `/keys/${id}`), { method: "PATCH", body: change });
export const revokeIngestKey = (slug: string, id: number) => remove(at(slug, `/keys/${id}`));

// Share links
export const fetchShareLinks = (slug: string, signal?: AbortSignal) =>
  apiRequest<{ shareLinks: ShareLink[] }>(at(slug, "/share-links"), { signal }).then((body) => body.shareLinks);
export const createShareLink = (slug: string) => post<CreatedShareLink>(at(slug, "/share-links"));
export const revokeShareLink = (slug: string, id: number) => remove(at(slug, `/share-links/${id}`));
/** The project a share link shows; 401 once the link is revoked (no sign-in involved). */
export const fetchSharedProject = (token: string, signal?: AbortSignal) =>
  apiRequest<SharedProject>("/share", { signal, skipAuthRedirect: true, headers: { "X-Ouroboard-Share": token } })
    .then((body) => body.project);

// Personal read-only API tokens
export const fetchApiTokens = (signal?: AbortSignal) =>
  apiRequest<{ tokens: ApiToken[] }>("/tokens", { signal }).then((body) => body.tokens);
export const createApiToken = (input: { name: string; projects: string[] }) => post<CreatedApiToken>("/tokens", input);
export const revokeApiToken = (id: number) => remove(`/tokens/${id}`);
