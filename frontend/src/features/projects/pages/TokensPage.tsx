import { useState, type FormEvent, type ReactNode } from "react";

import { CopyField } from "../../../components/form/CopyField";
import { Table, type Column } from "../../../components/table/Table";
import { ApiError } from "../../../lib/api-client";
import { track } from "../../../lib/tracking";
import { PageFrame } from "../components/PageFrame";
import { ConfirmButton, ErrorNote, FormRow, ListState, Section, ShownOnce, When } from "../components/ui";
import { useApiTokens, useCreateApiToken, useProjects, useRevokeApiToken } from "../hooks/useProjects";

const COLUMNS: Column[] = [
  { label: "Name" },
  { label: "Token", className: "hidden w-32 sm:table-cell" },
  { label: "Projects" },
  { label: "Last used", className: "hidden w-44 md:table-cell" },
  { label: "", className: "w-40" },
];

/** Personal read-only API tokens, each scoped to chosen projects, for scripts and BI tools. */
export function TokensPage({ account }: { account?: ReactNode }) {
  const tokens = useApiTokens();
  const revoke = useRevokeApiToken();
  return (
    <PageFrame
      title="API tokens"
      subtitle="Personal, read-only tokens for scripts and BI tools. They read the analytics of the projects you choose, as you would; they cannot change anything."
      account={account}
    >
      <CreateTokenSection />
      <Section title="Your tokens" testId="api-tokens">
        <ErrorNote error={revoke.error} />
        <ListState query={tokens} what="tokens" empty="No tokens yet.">
          <Table columns={COLUMNS} testId="tokens-table">
            <tbody className="divide-y divide-slate-100 dark:divide-slate-800">
              {tokens.data?.map((token) => (
                <tr key={token.id} data-testid={`token-${token.name}`}>
                  <td className="truncate py-2 font-medium" title={token.name}>
                    {token.name}
                  </td>
                  <td className="hidden truncate py-2 font-mono text-xs sm:table-cell">{token.prefix}…</td>
                  <td className="truncate py-2 text-slate-600 dark:text-slate-300" title={token.projects.join(", ")}>
                    {token.projects.join(", ")}
                  </td>
                  <td className="hidden py-2 text-slate-500 md:table-cell">
                    <When value={token.lastUsedAt} />
                  </td>
                  <td className="py-2 text-right">
                    <ConfirmButton label="Revoke" confirmLabel="Revoke" question="Revoke it?" busy={revoke.isPending} onConfirm={() => revoke.mutate(token.id)} />
                  </td>
                </tr>
              ))}
            </tbody>
          </Table>
        </ListState>
      </Section>
    </PageFrame>
  );
}

function CreateTokenSection() {
  const projects = useProjects();
  const create = useCreateApiToken();
  const [name, setName] = useState("");
  const [chosen, setChosen] = useState<string[]>([]);
  const error = create.error instanceof ApiError ? create.error : null;

  function toggle(slug: string, on: boolean) {
    setChosen((current) => (on ? [...current, slug] : current.filter((item) => item !== slug)));
  }

  function submit(event: FormEvent) {
    event.preventDefault();
    create.mutate({ name: name.trim(), projects: chosen }, { onSuccess: () => setName("") });
  }

  return (
    <Section title="New token" description="Send it as Authorization: Bearer <token> to any /api/v1/analytics endpoint, with project=<slug>.">
      <form onSubmit={submit} className="flex flex-col gap-4" noValidate>
        <FormRow label="Token name" htmlFor="token-name" hint="What uses it, e.g. “weekly report”.">
          <input id="token-name" className="input" maxLength={64} value={name} onChange={(event) => setName(event.target.value)} />
        </FormRow>
        <fieldset>
          <legend className="mb-1 text-sm font-medium">Projects it may read</legend>
          {projects.isPending && <p className="text-sm text-slate-500">Loading your projects…</p>}
          <ErrorNote error={projects.error} />
          {projects.data?.length === 0 && (
            <p className="text-sm text-slate-500 dark:text-slate-400">You are in no project yet: create or join one first.</p>
          )}
          <div className="flex flex-wrap gap-x-4 gap-y-1">
            {projects.data?.map((project) => (
              <label key={project.slug} className="flex items-center gap-2 text-sm">
                <input type="checkbox" checked={chosen.includes(project.slug)} onChange={(event) => toggle(project.slug, event.target.checked)} />
                {project.name}
              </label>
            ))}
          </div>
        </fieldset>
        <ErrorNote error={error} />
        <div>
          <button type="submit" className="btn-primary" disabled={create.isPending || name.trim() === "" || chosen.length === 0}>
            {create.isPending ? "Creating…" : "Create token"}
          </button>
        </div>
      </form>
      {create.data && (
        <ShownOnce testId="created-token">
          <p className="mb-2">
            Token <strong>{create.data.name}</strong> created. Only its hash is stored: copy it now, it is not shown again.
          </p>
          <CopyField label="API token" value={create.data.token} onCopy={() => track("copy_to_clipboard", { what: "api_token" })} />
        </ShownOnce>
      )}
    </Section>
  );
}
