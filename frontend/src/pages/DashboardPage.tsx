import { useNavigate } from "react-router";

import { useCurrentUser, useLogout } from "../auth/useSession";
import { BrandMark } from "../components/layout/BrandMark";
import { eventQueue, track } from "../tracking";

export function DashboardPage() {
  const { data: user } = useCurrentUser();
  const logoutMutation = useLogout();
  const navigate = useNavigate();

  async function signOut() {
    // Deliver this session's events while the session still exists.
    track("sign_out");
    await eventQueue.flush();
    eventQueue.setEnabled(false);
    logoutMutation.mutate(undefined, { onSettled: () => navigate("/login", { replace: true }) });
  }

  return (
    <div className="min-h-screen">
      <header className="border-b border-slate-200 bg-white dark:border-slate-800 dark:bg-slate-900">
        <div className="mx-auto flex max-w-7xl items-center justify-between gap-4 px-4 py-3">
          <BrandMark />
          <div className="flex items-center gap-3">
            <span className="text-sm text-slate-600 dark:text-slate-300" data-testid="current-user">
              {user?.username}
            </span>
            <button type="button" className="btn-secondary" onClick={() => void signOut()} disabled={logoutMutation.isPending}>
              Log out
            </button>
          </div>
        </div>
      </header>
      <main className="mx-auto max-w-7xl px-4 py-8">
        <h1 className="text-2xl font-semibold">Dashboard</h1>
        <section className="mt-6 rounded-2xl border border-dashed border-slate-300 p-10 text-center text-slate-500 dark:border-slate-700 dark:text-slate-400">
          <p className="font-medium">No charts yet.</p>
          <p className="mt-1 text-sm">Feature usage and trends appear here once events are tracked.</p>
        </section>
      </main>
    </div>
  );
}
