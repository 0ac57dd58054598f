import { useNavigate } from "react-router";

import { endTrackingSession, track } from "../../../lib/tracking";
import { useLogout } from "../hooks/useSession";

/** Log out: deliver this session's events while the session still exists, then end it. */
export function LogoutButton() {
  const navigate = useNavigate();
  const logoutMutation = useLogout();

  async function signOut() {
    track("sign_out");
    await endTrackingSession();
    logoutMutation.mutate(undefined, { onSettled: () => navigate("/login", { replace: true }) });
  }

  return (
    <button type="button" className="btn-secondary" onClick={() => void signOut()} disabled={logoutMutation.isPending}>
      Log out
    </button>
  );
}
