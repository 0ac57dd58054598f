import { useState, type FormEvent } from "react";

import { CopyField } from "../../../../components/form/CopyField";
import { Table, type Column } from "../../../../components/table/Table";
import { track } from "../../../../lib/tracking";
import type { InvitationStatus, InvitedRole, ProjectDetail } from "../../api/types";
import { useCreateInvitation, useInvitations, useRevokeInvitation } from "../../hooks/useProjects";
import { roleLabel } from "../../utils/roles";
import { absoluteUrl } from "../../utils/snippets";
import { ConfirmButton, ErrorNote, FormRow, ListState, Section, ShownOnce, When } from "../ui";

const EXPIRY_DAYS = [1, 3, 7, 14, 30];
const COLUMNS: Column[] = [
  { label: "Role", className: "w-24" },
  { label: "Status", className: "w-24" },
  { label: "By", className: "hidden sm:table-cell" },
  { label: "Expires", className: "hidden w-44 md:table-cell" },
  { label: "", className: "w-40" },
];
const STATUS_STYLES: Record<InvitationStatus, string> = {
  pending: "bg-amber-100 text-amber-800 dark:bg-amber-950 dark:text-amber-300",
  accepted: "bg-emerald-100 text-emerald-800 dark:bg-emerald-950 dark:text-emerald-300",
  revoked: "bg-slate-100 text-slate-600 dark:bg-slate-800 dark:text-slate-300",
  expired: "bg-slate-100 text-slate-600 dark:bg-slate-800 dark:text-slate-300",
};

/** Invite by link: a role and an expiry; the link works once. Pending ones can be revoked. */
export function InvitationsSection({ project }: { project: ProjectDetail }) {
  const [role, setRole] = useState<InvitedRole>("viewer");
  const [days, setDays] = useState(7);
  const invitations = useInvitations(project.slug);
  const create = useCreateInvitation(project.slug);
  const revoke = useRevokeInvitation(project.slug);

  function submit(event: FormEvent) {
    event.preventDefault();
    create.mutate({ role, expiresInDays: days });
  }

  return (
    <Section
      title="Invitations"
      description="An invitation is a link that adds one person with the chosen role. It works once, until it expires."
      testId="invitations"
    >
      <form onSubmit={submit} className="flex flex-wrap items-end gap-3">
        <FormRow label="Role" htmlFor="invite-role">
          <select id="invite-role" className="input" value={role} onChange={(event) => setRole(event.target.value as InvitedRole)}>
            <option value="viewer">Viewer</option>
            <option value="admin">Admin</option>
          </select>
        </FormRow>
        <FormRow label="Expires after" htmlFor="invite-expiry">
          <select id="invite-expiry" className="input" value={days} onChange={(event) => setDays(Number(event.target.value))}>
            {EXPIRY_DAYS.map((value) => (
              <option key={value} value={value}>
                {value === 1 ? "1 day" : `${value} days`}
              </option>
            ))}
          </select>
        </FormRow>
        <button type="submit" className="btn-primary" disabled={create.isPending}>
          {create.isPending ? "Creating…" : "Create invitation"}
        </button>
      </form>
      <ErrorNote error={create.error ?? revoke.error} />
      {create.data && (
        <ShownOnce>
          <p className="mb-2">
            Send this link to the person you invite ({roleLabel(create.data.role).toLowerCase()}, until{" "}
            <When value={create.data.expiresAt} />
            ). It is shown only now.
          </p>
          <CopyField
            label="Invitation link"
            value={absoluteUrl(create.data.acceptUrl)}
            testId="invitation-link"
            onCopy={() => track("copy_to_clipboard", { what: "invitation_link" })}
          />
        </ShownOnce>
      )}
      <div className="mt-4">
        <ListState query={invitations} what="invitations" empty="No invitations yet.">
          <Table columns={COLUMNS} testId="invitations-table">
            <tbody className="divide-y divide-slate-100 dark:divide-slate-800">
              {invitations.data?.map((invitation) => (
                <tr key={invitation.id}>
                  <td className="py-2">{roleLabel(invitation.role)}</td>
                  <td className="py-2">
                    <span className={`rounded-full px-2 py-0.5 text-xs font-medium ${STATUS_STYLES[invitation.status]}`}>{invitation.status}</span>
                  </td>
                  <td className="hidden truncate py-2 text-slate-500 sm:table-cell">{invitation.createdBy ?? "—"}</td>
                  <td className="hidden py-2 text-slate-500 md:table-cell">
                    <When value={invitation.expiresAt} />
                  </td>
                  <td className="py-2 text-right">
                    {invitation.status === "pending" && (
                      <ConfirmButton
                        label="Revoke"
                        confirmLabel="Revoke"
                        question="Revoke it?"
                        busy={revoke.isPending}
                        onConfirm={() => revoke.mutate(invitation.id)}
                      />
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </Table>
        </ListState>
      </div>
    </Section>
  );
}
