import { useEffect, useRef, type ReactNode } from "react";
import { useNavigate } from "react-router";

import type { Project } from "../api/types";
import { CreateProjectForm } from "../components/CreateProjectForm";
import { PageFrame } from "../components/PageFrame";
import { TrackerSnippet } from "../components/TrackerSnippet";
import { ErrorNote, Section, SuccessNote } from "../components/ui";
import { useCreateIngestKey, useCreateProject, useRefreshProjects } from "../hooks/useProjects";

// The ingestion key a new project starts with, for its website's tracker.
const FIRST_KEY_NAME = "website";

/** Create a project, then copy the tracker snippet with its first ingestion key. As the
 * first-run screen (`first`), it replaces the dashboard of a user who has no project yet. */
export function NewProjectPage({ first = false, account }: { first?: boolean; account?: ReactNode }) {
  const navigate = useNavigate();
  const refreshProjects = useRefreshProjects();
  // Both mutations live here so the page remembers what was created while it shows the snippet.
  const created = useCreateProject();
  const project = created.data;

  return (
    <PageFrame
      title={first ? "Create your first project" : "New project"}
      subtitle={
        first
          ? "A project holds one website’s or app’s events, its members and its settings. Start with one; you can add more later."
          : "A project has its own events, members, ingestion keys and sharing."
      }
      back={first ? null : { to: "/", label: "Dashboard" }}
      account={account}
    >
      {!project ? (
        <Section title="Project">
          <CreateProjectForm create={created} />
        </Section>
      ) : (
        <FirstKey
          project={project}
          onDone={() => {
            navigate(`/?project=${encodeURIComponent(project.slug)}`);
            // Once this page is left (its queries are not asked again), the list loads afresh.
            void refreshProjects();
          }}
        />
      )}
    </PageFrame>
  );
}

/** Creates the project's first ingestion key once, and shows its snippet. */
function FirstKey({ project, onDone }: { project: Project; onDone: () => void }) {
  const createKey = useCreateIngestKey(project.slug);
  const { mutate } = createKey;
  const started = useRef(false);
  useEffect(() => {
    // Once, also under StrictMode's second run of effects.
    if (started.current) return;
    started.current = true;
    mutate({ name: FIRST_KEY_NAME, allowsImport: false });
  }, [mutate]);

  return (
    <Section title={`${project.name} is ready`} description="Add the tracker to your website: its page views arrive in the dashboard within seconds." testId="project-created">
      <SuccessNote>
        Project <strong>{project.name}</strong> created (address <code>{project.slug}</code>, time zone {project.timezone}).
      </SuccessNote>
      {createKey.isPending && <p className="text-sm text-slate-500">Creating an ingestion key…</p>}
      {createKey.isError && (
        <div className="flex flex-wrap items-center gap-3">
          <ErrorNote error={createKey.error} prefix="Could not create an ingestion key" />
          <button type="button" className="btn-secondary" onClick={() => createKey.mutate({ name: FIRST_KEY_NAME, allowsImport: false })}>
            Retry
          </button>
        </div>
      )}
      {createKey.data && (
        <>
          <p className="mb-2 text-sm">
            This is the only time the key <strong>{FIRST_KEY_NAME}</strong> is shown in full: copy the snippet now. You can
            create and revoke keys in the project’s settings.
          </p>
          <TrackerSnippet ingestKey={createKey.data.key} />
        </>
      )}
      <button type="button" className="btn-primary mt-2" onClick={onDone}>
        Open the dashboard
      </button>
    </Section>
  );
}
