import { useState, type FormEvent } from "react";

import { Table, type Column } from "../../../../components/table/Table";
import { ApiError } from "../../../../lib/api-client";
import type { IngestKey, ProjectDetail } from "../../api/types";
import { useCreateIngestKey, useIngestKeys, useRevokeIngestKey } from "../../hooks/useProjects";
import { keyPlaceholder } from "../../utils/snippets";
import { TrackerSnippet } from "../TrackerSnippet";
import { ConfirmButton, ErrorNote, FormRow, ListState, Section, ShownOnce, When } from "../ui";

const COLUMNS: Column[] = [
  { label: "Name" },
  { label: "Key", className: "w-32" },
  { label: "Last used", className: "hidden w-44 sm:table-cell" },
  { label: "", className: "w-48" },
];

/** Ingestion keys: what a website's tracker (or a server) sends events with. */
export function KeysSection({ project }: { project: ProjectDetail }) {
  const [name, setName] = useState("");
  const [allowsImport, setAllowsImport] = useState(false);
  const keys = useIngestKeys(project.slug);
  const create = useCreateIngestKey(project.slug);
  const revoke = useRevokeIngestKey(project.slug);
  const createError = create.error instanceof ApiError ? create.error : null;

  function submit(event: FormEvent) {
    event.preventDefault();
    create.mutate({ name: name.trim(), allowsImport }, { onSuccess: () => setName("") });
  }

  return (
    <Section
      title="Ingestion keys"
      description={
        <>
          Websites send events to this project with a key, through the tracker <code>/t.js</code> or the{" "}
          <code>/api/v1/events</code> API. Import keys may also backdate events (for importing history).
        </>
      }
      testId="ingest-keys"
    >
      <form onSubmit={submit} className="flex flex-wrap items-end gap-3">
        <FormRow label="Key name" htmlFor="key-name">
          <input id="key-name" className="input" placeholder="e.g. website" maxLength={64} value={name} onChange={(event) => setName(event.target.value)} />
        </FormRow>
        <label className="flex items-center gap-2 pb-2 text-sm">
          <input type="checkbox" checked={allowsImport} onChange={(event) => setAllowsImport(event.target.checked)} />
          Import key
        </label>
        <button type="submit" className="btn-primary" disabled={create.isPending || name.trim() === ""}>
          {create.isPending ? "Creating…" : "Create key"}
        </button>
      </form>
      <ErrorNote error={createError ?? revoke.error} />
      {create.data && (
        <ShownOnce testId="created-key">
          <p className="mb-2">
            Key <strong>{create.data.name}</strong> created: <code className="break-all font-mono" data-testid="created-key-value">{create.data.key}</code>.
            Only its hash is stored, so this is the only time it is shown: copy the snippet now.
          </p>
          <TrackerSnippet ingestKey={create.data.key} testId="created-key-snippet" />
        </ShownOnce>
      )}
      <div className="mt-4">
        <ListState query={keys} what="ingestion keys" empty="No keys yet: create one for each website or service that sends events.">
          <Table columns={COLUMNS} testId="keys-table">
            <tbody className="divide-y divide-slate-100 dark:divide-slate-800">
              {keys.data?.map((key) => (
                <KeyRow key={key.id} ingestKey={key} busy={revoke.isPending} onRevoke={() => revoke.mutate(key.id)} />
              ))}
            </tbody>
          </Table>
        </ListState>
      </div>
    </Section>
  );
}

function KeyRow({ ingestKey, busy, onRevoke }: { ingestKey: IngestKey; busy: boolean; onRevoke: () => void }) {
  const [showSnippet, setShowSnippet] = useState(false);
  const revoked = ingestKey.revokedAt !== null;
  return (
    <>
      <tr data-testid={`key-${ingestKey.name}`} className={revoked ? "text-slate-400" : ""}>
        <td className="truncate py-2 font-medium" title={ingestKey.name}>
          {ingestKey.name}
          {ingestKey.allowsImport && <span className="ml-2 rounded bg-slate-100 px-1.5 text-xs dark:bg-slate-800">import</span>}
          {revoked && <span className="ml-2 text-xs">revoked</span>}
        </td>
        <td className="truncate py-2 font-mono text-xs">{keyPlaceholder(ingestKey.prefix)}</td>
        <td className="hidden py-2 text-slate-500 sm:table-cell">
          <When value={ingestKey.lastUsedAt} />
        </td>
        <td className="py-2 text-right">
          {!revoked && (
            <span className="inline-flex flex-wrap justify-end gap-2">
              <button type="button" className="btn-secondary" aria-expanded={showSnippet} onClick={() => setShowSnippet(!showSnippet)}>
                Snippet
              </button>
              <ConfirmButton label="Revoke" confirmLabel="Revoke" question="Revoke it?" busy={busy} onConfirm={onRevoke} />
            </span>
          )}
        </td>
      </tr>
      {showSnippet && !revoked && (
        <tr>
          <td colSpan={4} className="pb-3">
            <TrackerSnippet ingestKey={keyPlaceholder(ingestKey.prefix)} label={`Tracker snippet for ${ingestKey.name}`} testId={`snippet-${ingestKey.name}`} />
            <p className="text-xs text-amber-700 dark:text-amber-400">
              Replace <code>{keyPlaceholder(ingestKey.prefix)}</code> with the full key, shown once when it was created. Lost
              it? Create a new key and revoke this one.
            </p>
          </td>
        </tr>
      )}
    </>
  );
}
