import { useState, type FormEvent } from "react";

import { Table, type Column } from "../../../../components/table/Table";
import { ApiError } from "../../../../lib/api-client";
import type { IngestKey, ProjectDetail } from "../../api/types";
import { useCreateIngestKey, useIngestKeys, useRevokeIngestKey, useUpdateIngestKey } from "../../hooks/useProjects";
import { DOMAIN_PLACEHOLDER, keyPlaceholder } from "../../utils/snippets";
import { ToolSetups } from "../ToolSetups";
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
  const [siteDomain, setSiteDomain] = useState("");
  const keys = useIngestKeys(project.slug);
  const create = useCreateIngestKey(project.slug);
  const revoke = useRevokeIngestKey(project.slug);
  const update = useUpdateIngestKey(project.slug);
  const createError = create.error instanceof ApiError ? create.error : null;

  function submit(event: FormEvent) {
    event.preventDefault();
    const input = { name: name.trim(), allowsImport, siteDomain: siteDomain.trim() || null };
    create.mutate(input, {
      onSuccess: () => {
        setName("");
        setSiteDomain("");
      },
    });
  }

  return (
    <Section
      title="Ingestion keys"
      description={
        <>
          Websites send events to this project with a key, through the tracker <code>/t.js</code> or the{" "}
          <code>/api/v1/events</code> API, or through Plausible, Umami, PostHog or Segment set up to send here (a
          Plausible site is found by the key&apos;s Plausible domain). Import keys may also backdate events (for importing
          history).
        </>
      }
      testId="ingest-keys"
    >
      <form onSubmit={submit} className="flex flex-wrap items-end gap-3">
        <FormRow label="Key name" htmlFor="key-name">
          <input id="key-name" className="input" placeholder="e.g. website" maxLength={64} value={name} onChange={(event) => setName(event.target.value)} />
        </FormRow>
        <FormRow label="Plausible domain" htmlFor="key-site-domain">
          <input
            id="key-site-domain"
            className="input"
            placeholder={`optional, e.g. ${DOMAIN_PLACEHOLDER}`}
            maxLength={253}
            value={siteDomain}
            onChange={(event) => setSiteDomain(event.target.value)}
          />
        </FormRow>
        <label className="flex items-center gap-2 pb-2 text-sm">
          <input type="checkbox" checked={allowsImport} onChange={(event) => setAllowsImport(event.target.checked)} />
          Import key
        </label>
        <button type="submit" className="btn-primary" disabled={create.isPending || name.trim() === ""}>
          {create.isPending ? "Creating…" : "Create key"}
        </button>
      </form>
      <ErrorNote error={createError ?? revoke.error ?? update.error} />
      {create.data && (
        <ShownOnce testId="created-key">
          <p className="mb-2">
            Key <strong>{create.data.name}</strong> created: <code className="break-all font-mono" data-testid="created-key-value">{create.data.key}</code>.
            Only its hash is stored, so this is the only time it is shown: copy the snippet now.
          </p>
          <TrackerSnippet ingestKey={create.data.key} testId="created-key-snippet" />
          <ToolSetups ingestKey={create.data.key} siteDomain={create.data.siteDomain} />
        </ShownOnce>
      )}
      <div className="mt-4">
        <ListState query={keys} what="ingestion keys" empty="No keys yet: create one for each website or service that sends events.">
          <Table columns={COLUMNS} testId="keys-table">
            <tbody className="divide-y divide-slate-100 dark:divide-slate-800">
              {keys.data?.map((key) => (
                <KeyRow
                  key={key.id}
                  ingestKey={key}
                  busy={revoke.isPending || update.isPending}
                  onRevoke={() => revoke.mutate(key.id)}
                  onSiteDomain={(domain, done) => update.mutate({ id: key.id, siteDomain: domain }, { onSuccess: done })}
                />
              ))}
            </tbody>
          </Table>
        </ListState>
      </div>
    </Section>
  );
}

interface KeyRowProps {
  ingestKey: IngestKey;
  busy: boolean;
  onRevoke: () => void;
  /** Set (or, with null, clear) the key's Plausible domain; `done` runs once it is saved. */
  onSiteDomain: (domain: string | null, done: () => void) => void;
}

function KeyRow({ ingestKey, busy, onRevoke, onSiteDomain }: KeyRowProps) {
  const [showSnippet, setShowSnippet] = useState(false);
  const [editing, setEditing] = useState(false);
  const revoked = ingestKey.revokedAt !== null;
  return (
    <>
      <tr data-testid={`key-${ingestKey.name}`} className={revoked ? "text-slate-400" : ""}>
        <td className="truncate py-2 font-medium" title={ingestKey.name}>
          {ingestKey.name}
          {ingestKey.allowsImport && <span className="ml-2 rounded bg-slate-100 px-1.5 text-xs dark:bg-slate-800">import</span>}
          {revoked && <span className="ml-2 text-xs">revoked</span>}
          {ingestKey.siteDomain && (
            <span className="block truncate text-xs font-normal text-slate-500" data-testid={`key-${ingestKey.name}-domain`}>
              Plausible: {ingestKey.siteDomain}
            </span>
          )}
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
              <button type="button" className="btn-secondary" aria-expanded={editing} onClick={() => setEditing(!editing)}>
                Domain
              </button>
              <ConfirmButton label="Revoke" confirmLabel="Revoke" question="Revoke it?" busy={busy} onConfirm={onRevoke} />
            </span>
          )}
        </td>
      </tr>
      {editing && !revoked && (
        <tr>
          <td colSpan={4} className="pb-3">
            <SiteDomainForm
              keyName={ingestKey.name}
              current={ingestKey.siteDomain}
              busy={busy}
              onSave={(domain) => onSiteDomain(domain, () => setEditing(false))}
            />
          </td>
        </tr>
      )}
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

/** The Plausible domain of one key: Plausible events whose data-domain is this one are its. */
function SiteDomainForm({ keyName, current, busy, onSave }: { keyName: string; current: string | null; busy: boolean; onSave: (domain: string | null) => void }) {
  const [domain, setDomain] = useState(current ?? "");
  const id = `site-domain-${keyName}`;

  function submit(event: FormEvent) {
    event.preventDefault();
    onSave(domain.trim() || null);
  }

  return (
    <form onSubmit={submit} className="flex flex-wrap items-end gap-2" data-testid={`domain-form-${keyName}`}>
      <FormRow label={`Plausible domain of ${keyName}`} htmlFor={id} hint="Plausible's data-domain; one key per domain.">
        <input id={id} className="input" placeholder={DOMAIN_PLACEHOLDER} maxLength={253} value={domain} onChange={(event) => setDomain(event.target.value)} />
      </FormRow>
      <button type="submit" className="btn-primary" disabled={busy}>
        Save
      </button>
      {current && (
        <button type="button" className="btn-secondary" disabled={busy} onClick={() => onSave(null)}>
          Clear
        </button>
      )}
    </form>
  );
}
