import { CopyField } from "../../../../components/form/CopyField";
import { Table, type Column } from "../../../../components/table/Table";
import { track } from "../../../../lib/tracking";
import type { ProjectDetail } from "../../api/types";
import { useCreateShareLink, useRevokeShareLink, useShareLinks } from "../../hooks/useProjects";
import { PublicAnalyticsToggle } from "./PublicAnalyticsToggle";
import { absoluteUrl } from "../../utils/snippets";
import { ConfirmButton, ErrorNote, ListState, Section, ShownOnce, When } from "../ui";

const COLUMNS: Column[] = [{ label: "Link" }, { label: "Created", className: "hidden w-44 sm:table-cell" }, { label: "", className: "w-44" }];

/** Public analytics (tokenless reads by slug), and secret read-only links to the dashboard:
 * no sign-in, no usernames, no export. */
export function SharingSection({ project }: { project: ProjectDetail }) {
  const links = useShareLinks(project.slug);
  const create = useCreateShareLink(project.slug);
  const revoke = useRevokeShareLink(project.slug);

  return (
    <Section
      title="Sharing"
      description="Anyone with a share link sees this project’s dashboard, read-only, without signing in. It never shows usernames and cannot export. Revoking a link ends its access at once."
      testId="sharing"
    >
      <PublicAnalyticsToggle project={project} />
      <button type="button" className="btn-primary" disabled={create.isPending} onClick={() => create.mutate()}>
        {create.isPending ? "Creating…" : "Create share link"}
      </button>
      <ErrorNote error={create.error ?? revoke.error} />
      {create.data && (
        <ShownOnce>
          <p className="mb-2">Share link created. It is shown only now: copy it.</p>
          <CopyField
            label="Share link"
            value={absoluteUrl(create.data.url)}
            testId="share-link"
            onCopy={() => track("copy_to_clipboard", { what: "share_link" })}
          />
        </ShownOnce>
      )}
      <div className="mt-4">
        <ListState query={links} what="share links" empty="Not shared: no active link.">
          <Table columns={COLUMNS} testId="share-links-table">
            <tbody className="divide-y divide-slate-100 dark:divide-slate-800">
              {links.data?.map((link) => (
                <tr key={link.id}>
                  <td className="truncate py-2 font-mono text-xs">/share/{link.prefix}…</td>
                  <td className="hidden py-2 text-slate-500 sm:table-cell">
                    <When value={link.createdAt} />
                  </td>
                  <td className="py-2 text-right">
                    <ConfirmButton
                      label="Revoke"
                      confirmLabel="Revoke"
                      question="End its access?"
                      busy={revoke.isPending}
                      onConfirm={() => revoke.mutate(link.id)}
                    />
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
