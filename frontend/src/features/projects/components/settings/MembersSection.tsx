import { Table, type Column } from "../../../../components/table/Table";
import type { InvitedRole, Member, ProjectDetail } from "../../api/types";
import { useChangeMemberRole, useMembers, useRemoveMember } from "../../hooks/useProjects";
import { roleLabel } from "../../utils/roles";
import { ConfirmButton, ErrorNote, ListState, Section, When } from "../ui";

const COLUMNS: Column[] = [
  { label: "Member" },
  { label: "Role", className: "w-36" },
  { label: "Joined", className: "hidden w-44 sm:table-cell" },
  { label: "", className: "w-40" },
];

/** Who is in the project: change an admin's or viewer's role, or remove them. The owner's
 * role changes only by a transfer (danger zone). */
export function MembersSection({ project, userId }: { project: ProjectDetail; userId: number }) {
  const members = useMembers(project.slug);
  const changeRole = useChangeMemberRole(project.slug);
  const remove = useRemoveMember(project.slug);

  return (
    <Section title="Members" description="Admins manage settings, members, keys and sharing; viewers only read." testId="members">
      <ErrorNote error={changeRole.error ?? remove.error} />
      <ListState query={members} what="members" empty="No members.">
        <Table columns={COLUMNS} testId="members-table">
          <tbody className="divide-y divide-slate-100 dark:divide-slate-800">
            {members.data?.map((member) => (
              <MemberRow
                key={member.userId}
                member={member}
                isYou={member.userId === userId}
                busy={changeRole.isPending || remove.isPending}
                onRole={(role) => changeRole.mutate({ userId: member.userId, role })}
                onRemove={() => remove.mutate(member.userId)}
              />
            ))}
          </tbody>
        </Table>
      </ListState>
    </Section>
  );
}

function MemberRow({
  member,
  isYou,
  busy,
  onRole,
  onRemove,
}: {
  member: Member;
  isYou: boolean;
  busy: boolean;
  onRole: (role: InvitedRole) => void;
  onRemove: () => void;
}) {
  const editable = member.role !== "owner" && !isYou;
  return (
    <tr data-testid={`member-${member.username}`}>
      <td className="truncate py-2 font-medium" title={member.username}>
        {member.username}
        {isYou && <span className="ml-1 text-xs text-slate-500">(you)</span>}
      </td>
      <td className="py-2">
        {editable ? (
          <select
            className="input py-1"
            aria-label={`Role of ${member.username}`}
            value={member.role}
            disabled={busy}
            onChange={(event) => onRole(event.target.value as InvitedRole)}
          >
            <option value="admin">Admin</option>
            <option value="viewer">Viewer</option>
          </select>
        ) : (
          roleLabel(member.role)
        )}
      </td>
      <td className="hidden py-2 text-slate-500 sm:table-cell">
        <When value={member.joinedAt} />
      </td>
      <td className="py-2 text-right">
        {editable && (
          <ConfirmButton label="Remove" confirmLabel="Remove" question={`Remove ${member.username}?`} busy={busy} onConfirm={onRemove} />
        )}
      </td>
    </tr>
  );
}
