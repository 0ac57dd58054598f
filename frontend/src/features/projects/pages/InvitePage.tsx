import { Link, useNavigate } from "react-router";

import { ApiError } from "../../../lib/api-client";
import { CenteredCard } from "../components/CenteredCard";
import { ErrorNote, When } from "../components/ui";
import { useAcceptInvitation, useInvitation } from "../hooks/useProjects";
import { roleLabel } from "../utils/roles";

interface InvitePageProps {
  token: string;
  /** The signed-in user's name, or null for a visitor (who signs in or registers first). */
  username: string | null;
}

const isGone = (error: unknown) => error instanceof ApiError && error.status === 404;

/** What an invitation link opens: the project and role, then accept (signed in), or sign in
 * or register and come back (registering with the invitation joins at once). */
export function InvitePage({ token, username }: InvitePageProps) {
  const invitation = useInvitation(token);
  const accept = useAcceptInvitation(token);
  const navigate = useNavigate();
  const here = `/invite/${encodeURIComponent(token)}`;

  if (invitation.isPending) {
    return (
      <CenteredCard title="Invitation">
        <p aria-busy="true" className="text-sm text-slate-500">
          Checking the invitation…
        </p>
      </CenteredCard>
    );
  }
  if (isGone(invitation.error) || isGone(accept.error)) {
    return (
      <CenteredCard title="This invitation is no longer valid" testId="invitation-invalid">
        <p className="mb-4 text-sm text-slate-600 dark:text-slate-300">
          It may have expired, been used already or been revoked. Ask the person who invited you for a new link.
        </p>
        <Link to="/" className="btn-primary">
          Go to Ouroboard
        </Link>
      </CenteredCard>
    );
  }
  if (invitation.error) {
    return (
      <CenteredCard title="Invitation">
        <ErrorNote error={invitation.error} prefix="Could not check the invitation" />
        <button type="button" className="btn-secondary" onClick={() => void invitation.refetch()}>
          Retry
        </button>
      </CenteredCard>
    );
  }

  const { project, role, expiresAt } = invitation.data;
  return (
    <CenteredCard title={`Join ${project.name}`} testId="invitation">
      <p className="mb-1 text-sm text-slate-600 dark:text-slate-300">
        You are invited to <strong>{project.name}</strong> as <strong data-testid="invitation-role">{roleLabel(role).toLowerCase()}</strong>
        {role === "viewer" ? ": you will read its dashboard." : ": you will read its dashboard and manage its settings."}
      </p>
      <p className="mb-6 text-xs text-slate-500 dark:text-slate-400">
        The link works once, until <When value={expiresAt} />.
      </p>
      {username ? (
        <>
          <ErrorNote error={accept.error} />
          <button
            type="button"
            className="btn-primary w-full"
            disabled={accept.isPending}
            onClick={() => accept.mutate(undefined, { onSuccess: (joined) => navigate(`/?project=${encodeURIComponent(joined.slug)}`, { replace: true }) })}
          >
            {accept.isPending ? "Joining…" : `Accept as ${username}`}
          </button>
        </>
      ) : (
        <div className="flex flex-col gap-2">
          <Link to={`/register?invitation=${encodeURIComponent(token)}`} className="btn-primary w-full">
            Create an account and join
          </Link>
          <Link to={`/login?next=${encodeURIComponent(here)}`} className="btn-secondary w-full">
            I have an account: sign in
          </Link>
        </div>
      )}
    </CenteredCard>
  );
}
