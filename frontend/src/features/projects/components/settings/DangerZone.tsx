import { useState, type FormEvent } from "react";
import { useNavigate } from "react-router";

import type { ProjectDetail } from "../../api/types";
import { useDeleteProject, useMembers, useRefreshProjects, useTransferProject } from "../../hooks/useProjects";
import { ErrorNote, FormRow, Section, SuccessNote } from "../ui";
import { LeaveProjectButton } from "./LeaveProjectButton";

/** Leaving, and for the owner: transferring ownership and deleting, each confirmed by typing
 * the project's address. */
export function DangerZone({ project }: { project: ProjectDetail }) {
  const isOwner = project.role === "owner";
  return (
    <Section title="Danger zone" tone="danger" testId="danger-zone">
      <div className="flex flex-col gap-6">
        <div>
          <h3 className="font-medium">Leave this project</h3>
          {isOwner ? (
            <p className="text-sm text-slate-500 dark:text-slate-400">As its owner you cannot leave: transfer the ownership first.</p>
          ) : (
            <>
              <p className="mb-2 text-sm text-slate-500 dark:text-slate-400">You lose access until someone invites you again.</p>
              <LeaveProjectButton project={project} />
            </>
          )}
        </div>
        {isOwner && <TransferOwnership project={project} />}
        {isOwner && !project.isSelfTracking && <DeleteProject project={project} />}
        {isOwner && project.isSelfTracking && (
          <p className="text-sm text-slate-500 dark:text-slate-400">
            This is the built-in project where Ouroboard records its own use: it cannot be deleted.
          </p>
        )}
      </div>
    </Section>
  );
}

/** Type the project's address to arm a dangerous button. */
function TypedConfirmation({ id, slug, value, onValue }: { id: string; slug: string; value: string; onValue: (text: string) => void }) {
  return (
    <FormRow label={`Type ${slug} to confirm`} htmlFor={id}>
      <input id={id} className="input font-mono" autoComplete="off" spellCheck={false} value={value} onChange={(event) => onValue(event.target.value)} />
    </FormRow>
  );
}

function TransferOwnership({ project }: { project: ProjectDetail }) {
  const members = useMembers(project.slug);
  const transfer = useTransferProject(project.slug);
  const [userId, setUserId] = useState("");
  const [typed, setTyped] = useState("");
  const candidates = (members.data ?? []).filter((member) => member.role !== "owner");

  function submit(event: FormEvent) {
    event.preventDefault();
    transfer.mutate(Number(userId), { onSuccess: () => setTyped("") });
  }

  return (
    <form onSubmit={submit}>
      <h3 className="font-medium">Transfer ownership</h3>
      <p className="mb-2 text-sm text-slate-500 dark:text-slate-400">The member you choose becomes the owner; you become an admin.</p>
      {transfer.isSuccess && <SuccessNote>Ownership transferred. You are now an admin.</SuccessNote>}
      <ErrorNote error={transfer.error ?? members.error} />
      {candidates.length === 0 ? (
        <p className="text-sm text-slate-500 dark:text-slate-400">Invite someone first: only a member can become the owner.</p>
      ) : (
        <div className="grid items-end gap-3 sm:grid-cols-3">
          <FormRow label="New owner" htmlFor="transfer-to">
            <select id="transfer-to" className="input" value={userId} onChange={(event) => setUserId(event.target.value)}>
              <option value="">Choose a member…</option>
              {candidates.map((member) => (
                <option key={member.userId} value={member.userId}>
                  {member.username} ({member.role})
                </option>
              ))}
            </select>
          </FormRow>
          <TypedConfirmation id="transfer-confirm" slug={project.slug} value={typed} onValue={setTyped} />
          <div>
            <button type="submit" className="btn-danger h-[38px]" disabled={!userId || typed !== project.slug || transfer.isPending}>
              {transfer.isPending ? "Transferring…" : "Transfer ownership"}
            </button>
          </div>
        </div>
      )}
    </form>
  );
}

function DeleteProject({ project }: { project: ProjectDetail }) {
  const remove = useDeleteProject(project.slug);
  const refreshProjects = useRefreshProjects();
  const navigate = useNavigate();
  const [typed, setTyped] = useState("");

  function submit(event: FormEvent) {
    event.preventDefault();
    remove.mutate(undefined, {
      onSuccess: () => {
        navigate("/", { replace: true });
        // Once this page is left (its queries are not asked again), the list loads afresh.
        void refreshProjects();
      },
    });
  }

  return (
    <form onSubmit={submit}>
      <h3 className="font-medium">Delete this project</h3>
      <p className="mb-2 text-sm text-slate-500 dark:text-slate-400">
        Deletes its events, counts, ingestion keys, invitations and share links, for good.
      </p>
      <ErrorNote error={remove.error} />
      <div className="grid items-end gap-3 sm:grid-cols-3">
        <TypedConfirmation id="delete-confirm" slug={project.slug} value={typed} onValue={setTyped} />
        <div>
          <button type="submit" className="btn-danger h-[38px]" disabled={typed !== project.slug || remove.isPending}>
            {remove.isPending ? "Deleting…" : "Delete project"}
          </button>
        </div>
      </div>
    </form>
  );
}
