import { useState, type ReactNode } from "react";
import { Navigate, useLocation } from "react-router";

import { useCurrentUser } from "../hooks/useSession";
import { FullPageMessage } from "../../../components/layout/FullPageMessage";

/** Render children only for a logged-in user; send everyone else to /login. */
export function RequireAuth({ children }: { children: ReactNode }) {
  const location = useLocation();
  const { data: user, isPending, isError, refetch } = useCurrentUser();
  if (isPending) return <FullPageMessage title="Loading your dashboard…" busy />;
  if (isError) {
    return (
      <FullPageMessage title="Cannot reach Ouroboard" body="The server did not answer.">
        <button type="button" className="btn-primary" onClick={() => void refetch()}>
          Retry
        </button>
      </FullPageMessage>
    );
  }
  if (!user) {
    const next = `${location.pathname}${location.search}`;
    return <Navigate to={`/login?next=${encodeURIComponent(next)}`} replace />;
  }
  return <>{children}</>;
}

/** Pages for guests (login, register) bounce a user who arrives signed in to the dashboard.
 * Once shown to a guest, the page goes where it means to after signing in (the `next` page,
 * an invitation's project): bouncing then would race it to "/". */
export function GuestOnly({ children }: { children: ReactNode }) {
  const { data: user, isPending } = useCurrentUser();
  const [shownToGuest, setShownToGuest] = useState(false);
  // Remembered during render (React's pattern for state that follows other state).
  if (!isPending && !user && !shownToGuest) setShownToGuest(true);
  if (isPending) return <FullPageMessage title="Loading…" busy />;
  if (user && !shownToGuest) return <Navigate to="/" replace />;
  return <>{children}</>;
}
