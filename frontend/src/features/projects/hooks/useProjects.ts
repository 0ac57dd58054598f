// Query and mutation hooks for projects and everything under them. Each mutation refreshes
// the lists it changes and tracks its interaction once the server has agreed.
import { useMutation, useQuery, useQueryClient, type QueryKey } from "@tanstack/react-query";

import { ApiError } from "../../../lib/api-client";
import { track, type TrackedEvent, type TrackedProperties } from "../../../lib/tracking";
import * as api from "../api/projects";
import { projectKeys } from "../api/projects";
import type { IngestKeyInput, ProjectChange } from "../api/types";

/** Client errors (a 404 for a project that is not ours, a 401 for a revoked link) are answers, not outages. */
const retryOutagesOnly = (failures: number, error: Error) =>
  failures < 2 && !(error instanceof ApiError && error.status >= 400 && error.status < 500);

export function useProjects(enabled = true) {
  return useQuery({
    queryKey: projectKeys.list(),
    queryFn: ({ signal }) => api.fetchProjects(signal),
    staleTime: 30_000,
    retry: retryOutagesOnly,
    enabled,
  });
}

export function useProject(slug: string) {
  return useQuery({
    queryKey: projectKeys.detail(slug),
    queryFn: ({ signal }) => api.fetchProject(slug, signal),
    retry: retryOutagesOnly,
  });
}

/** A list under a project that only admins may read (members, invitations, keys, share links). */
function useAdminList<T>(queryKey: QueryKey, fetcher: (signal: AbortSignal) => Promise<T[]>, enabled: boolean) {
  return useQuery({ queryKey, queryFn: ({ signal }) => fetcher(signal), retry: retryOutagesOnly, enabled });
}

export const useMembers = (slug: string, enabled = true) =>
  useAdminList(projectKeys.members(slug), (signal) => api.fetchMembers(slug, signal), enabled);
export const useInvitations = (slug: string) =>
  useAdminList(projectKeys.invitations(slug), (signal) => api.fetchInvitations(slug, signal), true);
export const useIngestKeys = (slug: string) =>
  useAdminList(projectKeys.keys(slug), (signal) => api.fetchIngestKeys(slug, signal), true);
export const useShareLinks = (slug: string) =>
  useAdminList(projectKeys.shareLinks(slug), (signal) => api.fetchShareLinks(slug, signal), true);

export function useApiTokens() {
  return useQuery({ queryKey: projectKeys.tokens(), queryFn: ({ signal }) => api.fetchApiTokens(signal) });
}

/** An invitation as its link shows it (no sign-in needed). */
export function useInvitation(token: string) {
  return useQuery({
    queryKey: projectKeys.invitation(token),
    queryFn: ({ signal }) => api.fetchInvitation(token, signal),
    retry: retryOutagesOnly,
  });
}

// How often a share page re-checks its link, so a revocation shows without a reload.
export const SHARE_CHECK_MS = 10_000;

/** The project a share link shows, re-checked every SHARE_CHECK_MS. */
export function useSharedProject(token: string) {
  return useQuery({
    queryKey: projectKeys.shared(token),
    queryFn: ({ signal }) => api.fetchSharedProject(token, signal),
    retry: retryOutagesOnly,
    refetchInterval: (query) => (query.state.error ? false : SHARE_CHECK_MS),
  });
}

interface MutationOptions<Input, Output> {
  /** The queries this change makes stale. */
  invalidates: (input: Input) => QueryKey[];
  /** The interaction to track once it succeeded. */
  event: TrackedEvent;
  properties?: (input: Input, output: Output) => TrackedProperties;
}

/** A change the server must accept: refresh what it touched, then track it. */
function useProjectMutation<Input, Output>(
  mutationFn: (input: Input) => Promise<Output>,
  { invalidates, event, properties }: MutationOptions<Input, Output>,
) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn,
    onSuccess: async (output, input) => {
      track(event, properties?.(input, output));
      await Promise.all(invalidates(input).map((queryKey) => queryClient.invalidateQueries({ queryKey })));
    },
  });
}

const everyProject = () => [projectKeys.all];

/** Create a project. The list is left as it is (the first-run screen stays until its snippet
 * is copied): call refreshProjects when done. */
export const useCreateProject = () =>
  useProjectMutation(api.createProject, {
    invalidates: () => [],
    event: "project_create",
    properties: (input) => ({ timezone: input.timezone }),
  });

/** Forget the project list (a project was created, left or deleted) and mark the rest stale:
 * whoever shows the list next loads it afresh, never the old one. */
export function useRefreshProjects() {
  const queryClient = useQueryClient();
  return async () => {
    await queryClient.resetQueries({ queryKey: projectKeys.list() });
    await queryClient.invalidateQueries({ queryKey: projectKeys.all, refetchType: "active" });
  };
}

export const useUpdateProject = (slug: string) =>
  useProjectMutation((change: ProjectChange) => api.updateProject(slug, change), {
    invalidates: everyProject,
    event: "project_update",
    properties: (change) => ({ fields: Object.keys(change) }),
  });

export const useDeleteProject = (slug: string) =>
  useProjectMutation(() => api.deleteProject(slug), { invalidates: () => [], event: "project_delete" });

export const useLeaveProject = (slug: string) =>
  useProjectMutation(() => api.leaveProject(slug), { invalidates: () => [], event: "project_leave" });

export const useTransferProject = (slug: string) =>
  useProjectMutation((userId: number) => api.transferProject(slug, userId), {
    invalidates: everyProject,
    event: "project_transfer",
  });

export const useChangeMemberRole = (slug: string) =>
  useProjectMutation(
    ({ userId, role }: { userId: number; role: "admin" | "viewer" }) => api.changeMemberRole(slug, userId, role),
    { invalidates: () => [projectKeys.members(slug)], event: "member_role_change", properties: ({ role }) => ({ role }) },
  );

export const useRemoveMember = (slug: string) =>
  useProjectMutation((userId: number) => api.removeMember(slug, userId), {
    invalidates: () => [projectKeys.members(slug)],
    event: "member_remove",
  });

export const useCreateInvitation = (slug: string) =>
  useProjectMutation((input: { role: "admin" | "viewer"; expiresInDays: number }) => api.createInvitation(slug, input), {
    invalidates: () => [projectKeys.invitations(slug)],
    event: "invitation_create",
    properties: (input) => ({ ...input }),
  });

export const useRevokeInvitation = (slug: string) =>
  useProjectMutation((id: number) => api.revokeInvitation(slug, id), {
    invalidates: () => [projectKeys.invitations(slug)],
    event: "invitation_revoke",
  });

/** Accept an invitation: the new project joins the list. */
export const useAcceptInvitation = (token: string) =>
  useProjectMutation(() => api.acceptInvitation(token), {
    invalidates: () => [projectKeys.list()],
    event: "invitation_accept",
    properties: (_input, project) => ({ role: project.role }),
  });

export const useCreateIngestKey = (slug: string) =>
  useProjectMutation((input: IngestKeyInput) => api.createIngestKey(slug, input), {
    invalidates: () => [projectKeys.keys(slug)],
    event: "ingest_key_create",
    properties: (input) => ({ allowsImport: input.allowsImport, siteDomain: Boolean(input.siteDomain) }),
  });

export const useUpdateIngestKey = (slug: string) =>
  useProjectMutation(({ id, siteDomain }: { id: number; siteDomain: string | null }) => api.updateIngestKey(slug, id, { siteDomain }), {
    invalidates: () => [projectKeys.keys(slug)],
    event: "ingest_key_update",
    properties: (input) => ({ siteDomain: input.siteDomain !== null }),
  });

export const useRevokeIngestKey = (slug: string) =>
  useProjectMutation((id: number) => api.revokeIngestKey(slug, id), {
    invalidates: () => [projectKeys.keys(slug)],
    event: "ingest_key_revoke",
  });

export const useCreateShareLink = (slug: string) =>
  useProjectMutation(() => api.createShareLink(slug), {
    invalidates: () => [projectKeys.shareLinks(slug), projectKeys.detail(slug)],
    event: "share_link_create",
  });

export const useRevokeShareLink = (slug: string) =>
  useProjectMutation((id: number) => api.revokeShareLink(slug, id), {
    invalidates: () => [projectKeys.shareLinks(slug), projectKeys.detail(slug)],
    event: "share_link_revoke",
  });

export const useCreateApiToken = () =>
  useProjectMutation(api.createApiToken, {
    invalidates: () => [projectKeys.tokens()],
    event: "api_token_create",
    properties: (input) => ({ projects: input.projects.length }),
  });

export const useRevokeApiToken = () =>
  useProjectMutation(api.revokeApiToken, { invalidates: () => [projectKeys.tokens()], event: "api_token_revoke" });
