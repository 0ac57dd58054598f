// The app: providers, routes, and where features meet (features never import each other).
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { useEffect, useLayoutEffect } from "react";
import { BrowserRouter, Link, Navigate, Route, Routes, useLocation, useNavigate, useParams, useSearchParams } from "react-router";

import {
  AccountMenu,
  GuestOnly,
  LoginPage,
  meQueryKey,
  RegisterPage,
  RequireAuth,
  useCurrentUser,
} from "./features/auth";
import { DashboardPage, preloadCharts } from "./features/dashboard";
import {
  chooseProject,
  InvitePage,
  NewProjectPage,
  ProjectSettingsPage,
  ProjectSwitcher,
  SharedProjectGate,
  TokensPage,
  useProjects,
} from "./features/projects";
import { TrackingSession } from "./features/tracking";
import { FullPageMessage } from "./components/layout/FullPageMessage";
import { setUnauthorizedHandler } from "./lib/api-client";
import { muteTracking } from "./lib/tracking";

const queryClient = new QueryClient({
  defaultOptions: { queries: { refetchOnWindowFocus: false } },
});

/** A 401 from any API call means the session ended: forget the user and go to login. */
function UnauthorizedRedirect() {
  const navigate = useNavigate();
  useEffect(() => {
    setUnauthorizedHandler(() => {
      queryClient.setQueryData(meQueryKey, null);
      navigate("/login", { replace: true });
    });
  }, [navigate]);
  return null;
}

/** Tracking runs while someone is signed in. */
function SignedInTracking() {
  const { data: user } = useCurrentUser();
  return <TrackingSession signedIn={Boolean(user)} />;
}

/** A share link's visitors are not our users: on /share/ pages nothing is tracked (muted
 * before any effect can track the page view) and the session is not even asked for. */
function Tracking() {
  const sharing = useLocation().pathname.startsWith("/share/");
  useLayoutEffect(() => muteTracking(sharing), [sharing]);
  return sharing ? <TrackingSession signedIn={false} /> : <SignedInTracking />;
}

function LoginRoute() {
  useEffect(() => {
    // Fetch the chart code while the user types, so the dashboard draws sooner after sign-in.
    preloadCharts();
  }, []);
  return <LoginPage />;
}

/** The signed-in user's dashboard of the project in the URL (`?project=`, else their default);
 * with no project yet, the first-run screen. */
function DashboardRoute() {
  const { data: user } = useCurrentUser();
  const [searchParams] = useSearchParams();
  const projects = useProjects(Boolean(user));
  const account = <AccountMenu />;
  // RequireAuth renders this route only for a known user.
  if (!user) return null;
  if (projects.error && !projects.data) {
    return (
      <FullPageMessage title="Cannot load your projects" body={projects.error.message}>
        <button type="button" className="btn-primary" onClick={() => void projects.refetch()}>
          Retry
        </button>
      </FullPageMessage>
    );
  }
  if (!projects.data) return <FullPageMessage title="Loading your dashboard…" busy />;
  if (projects.data.length === 0) return <NewProjectPage first account={account} />;
  const requested = searchParams.get("project");
  const project = chooseProject(projects.data, requested);
  if (!project) {
    // A project just joined may be missing from a list loaded earlier: wait for the fresh one.
    if (projects.isFetching) return <FullPageMessage title="Loading your dashboard…" busy />;
    return (
      <FullPageMessage title="No such project" body={`“${requested}” is not one of your projects. It may have been deleted, or you left it.`}>
        <Link to="/" className="btn-primary">
          Open your dashboard
        </Link>
      </FullPageMessage>
    );
  }
  return (
    <DashboardPage
      project={project}
      user={user}
      switcher={<ProjectSwitcher projects={projects.data} current={project} />}
      account={account}
      // Removed from the project meanwhile: the fresh list no longer has it, and this page says so.
      onAccessLost={() => void projects.refetch({ cancelRefetch: false })}
    />
  );
}

function SettingsRoute() {
  const { data: user } = useCurrentUser();
  const { slug = "" } = useParams();
  return user ? <ProjectSettingsPage key={slug} slug={slug} userId={user.id} account={<AccountMenu />} /> : null;
}

function InviteRoute() {
  const { token = "" } = useParams();
  const { data: user, isPending } = useCurrentUser();
  if (isPending) return <FullPageMessage title="Loading…" busy />;
  return <InvitePage token={token} username={user?.username ?? null} />;
}

/** A project's dashboard through a share link: read-only, no account, polled (no stream). */
function ShareRoute() {
  const { token = "" } = useParams();
  return (
    <SharedProjectGate token={token}>
      {(project, recheck) => (
        <DashboardPage
          project={project}
          shareToken={token}
          onAccessLost={recheck}
          switcher={
            <span className="truncate text-sm font-medium text-slate-600 dark:text-slate-300" data-testid="shared-project">
              {project.name} <span className="font-normal text-slate-400">(shared, read-only)</span>
            </span>
          }
        />
      )}
    </SharedProjectGate>
  );
}

export function App() {
  return (
    <QueryClientProvider client={queryClient}>
      <BrowserRouter>
        <UnauthorizedRedirect />
        <Tracking />
        <Routes>
          <Route path="/login" element={<GuestOnly><LoginRoute /></GuestOnly>} />
          <Route path="/register" element={<GuestOnly><RegisterPage /></GuestOnly>} />
          <Route path="/invite/:token" element={<InviteRoute />} />
          <Route path="/share/:token" element={<ShareRoute />} />
          <Route path="/projects/new" element={<RequireAuth><NewProjectPage account={<AccountMenu />} /></RequireAuth>} />
          <Route path="/settings/:slug" element={<RequireAuth><SettingsRoute /></RequireAuth>} />
          <Route path="/account/tokens" element={<RequireAuth><TokensPage account={<AccountMenu />} /></RequireAuth>} />
          <Route path="/" element={<RequireAuth><DashboardRoute /></RequireAuth>} />
          <Route path="*" element={<Navigate to="/" replace />} />
        </Routes>
      </BrowserRouter>
    </QueryClientProvider>
  );
}
