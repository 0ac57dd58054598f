import type { ReactNode } from "react";
import { Link } from "react-router";

import { ApiError } from "../../../lib/api-client";
import { PageFrame } from "../components/PageFrame";
import { DangerZone } from "../components/settings/DangerZone";
import { GeneralSection } from "../components/settings/GeneralSection";
import { InvitationsSection } from "../components/settings/InvitationsSection";
import { KeysSection } from "../components/settings/KeysSection";
import { LeaveProjectButton } from "../components/settings/LeaveProjectButton";
import { MembersSection } from "../components/settings/MembersSection";
import { SharingSection } from "../components/settings/SharingSection";
import { ErrorNote, Section } from "../components/ui";
import { useProject } from "../hooks/useProjects";
import { canManage, roleLabel } from "../utils/roles";

interface ProjectSettingsPageProps {
  slug: string;
  /** The signed-in user (members list marks them, and never offers to remove them). */
  userId: number;
  account?: ReactNode;
}

/** A project's settings, for its admins and owner. A viewer is told what role it takes; a
 * project that is not theirs (the API's 404) is simply not found. */
export function ProjectSettingsPage({ slug, userId, account }: ProjectSettingsPageProps) {
  const project = useProject(slug);
  const back = { to: `/?project=${encodeURIComponent(slug)}`, label: "Dashboard" };

  if (project.isPending) {
    return (
      <PageFrame title="Settings" back={back} account={account}>
        <p aria-busy="true" className="text-sm text-slate-500">
          Loading the project…
        </p>
      </PageFrame>
    );
  }
  if (project.error) {
    const missing = project.error instanceof ApiError && project.error.status === 404;
    return (
      <PageFrame title={missing ? "No such project" : "Settings"} back={{ to: "/", label: "Dashboard" }} account={account}>
        {missing ? (
          <p className="text-sm text-slate-500 dark:text-slate-400" data-testid="project-missing">
            There is no project <code>{slug}</code> among yours. It may have been deleted, or you are no longer a member.
          </p>
        ) : (
          <div className="flex flex-wrap items-center gap-3">
            <ErrorNote error={project.error} prefix="Could not load the project" />
            <button type="button" className="btn-secondary" onClick={() => void project.refetch()}>
              Retry
            </button>
          </div>
        )}
      </PageFrame>
    );
  }

  const detail = project.data;
  if (!canManage(detail.role)) {
    return (
      <PageFrame title="You need the admin role" back={back} account={account}>
        <Section title={`Settings of ${detail.name}`} testId="settings-forbidden">
          <p className="mb-4 text-sm">
            You are a {roleLabel(detail.role).toLowerCase()} of <strong>{detail.name}</strong>: you can read its dashboard.
            Only its admins and its owner change its settings, members, keys and sharing. Ask one of them for the admin role.
          </p>
          <div className="flex flex-wrap items-start gap-3">
            <Link to={back.to} className="btn-primary">
              Back to the dashboard
            </Link>
            <LeaveProjectButton project={detail} />
          </div>
        </Section>
      </PageFrame>
    );
  }

  return (
    <PageFrame
      title={`${detail.name}: settings`}
      subtitle={<>You are its {roleLabel(detail.role).toLowerCase()}. Personal API tokens are on <Link to="/account/tokens" className="link">your account page</Link>.</>}
      back={back}
      account={account}
    >
      <GeneralSection project={detail} />
      <MembersSection project={detail} userId={userId} />
      <InvitationsSection project={detail} />
      <KeysSection project={detail} />
      <SharingSection project={detail} />
      <DangerZone project={detail} />
    </PageFrame>
  );
}
