// The app: providers, routes, and where features meet (features never import each other).
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { useEffect } from "react";
import { BrowserRouter, Navigate, Route, Routes, useNavigate } from "react-router";

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
import { TrackingSession } from "./features/tracking";
import { setUnauthorizedHandler } from "./lib/api-client";

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

function LoginRoute() {
  useEffect(() => {
    // Fetch the chart code while the user types, so the dashboard draws sooner after sign-in.
    preloadCharts();
  }, []);
  return <LoginPage />;
}

function DashboardRoute() {
  const { data: user } = useCurrentUser();
  // RequireAuth renders this route only for a known user.
  return user ? <DashboardPage user={user} account={<AccountMenu />} /> : null;
}

export function App() {
  return (
    <QueryClientProvider client={queryClient}>
      <BrowserRouter>
        <UnauthorizedRedirect />
        <SignedInTracking />
        <Routes>
          <Route path="/login" element={<GuestOnly><LoginRoute /></GuestOnly>} />
          <Route path="/register" element={<GuestOnly><RegisterPage /></GuestOnly>} />
          <Route path="/" element={<RequireAuth><DashboardRoute /></RequireAuth>} />
          <Route path="*" element={<Navigate to="/" replace />} />
        </Routes>
      </BrowserRouter>
    </QueryClientProvider>
  );
}
