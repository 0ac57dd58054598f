// The projects API's shapes, named from the generated schema (docs: /api/docs).
import type { Schema } from "../../../lib/api-client";

export type Project = Schema<"Project">;
export type Role = Project["role"];
export type InvitedRole = Schema<"RoleChange">["role"];

/** A project as GET /projects/<slug> answers it: with whether an active share link exists. */
export type ProjectDetail = Project;
/** A PATCH of a project's settings: name, time zone, public sharing (absent fields stay). */
export type ProjectChange = Schema<"ProjectUpdate">;
export type Member = Schema<"Member">;
export type Invitation = Schema<"Invitation">;
export type InvitationStatus = Invitation["status"];
export type CreatedInvitation = Schema<"CreatedInvitation">;
export type PublicInvitation = Schema<"InvitationPreview">;
export type IngestKey = Schema<"Key">;
export type CreatedIngestKey = Schema<"CreatedKey">;
/** A new key: its name, whether it imports history, and its Plausible domain (if any). */
export type IngestKeyInput = Pick<Schema<"KeyCreate">, "name" | "allowsImport"> & { siteDomain?: string | null };
export type ShareLink = Schema<"ShareLink">;
export type CreatedShareLink = Schema<"CreatedShareLink">;
export type SharedProject = Schema<"SharedProject">;
export type ApiToken = Schema<"ApiToken">;
export type CreatedApiToken = Schema<"CreatedApiToken">;
