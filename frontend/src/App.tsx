import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { useEffect } from "react";
import { BrowserRouter, Navigate, Route, Routes, useLocation, useNavigate } from "react-router";

import { meQueryKey } from "./api/auth";
import { setUnauthorizedHandler } from "./api/client";
import { GuestOnly, RequireAuth } from "./auth/RequireAuth";
import { useCurrentUser } from "./auth/useSession";
import { DashboardPage } from "./pages/DashboardPage";
import { LoginPage } from "./pages/LoginPage";
import { RegisterPage } from "./pages/RegisterPage";
import { eventQueue, track } from "./tracking";

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

/** Send tracked events only while someone is signed in; record every page view. */
function TrackingSession() {
  const { data: user } = useCurrentUser();
  const location = useLocation();
  useEffect(() => {
    eventQueue.setEnabled(Boolean(user));
  }, [user]);
  useEffect(() => {
    track("page_view", { path: location.pathname });
  }, [location.pathname]);
  return null;
}

export function App() {
  return (
    <QueryClientProvider client={queryClient}>
      <BrowserRouter>
        <UnauthorizedRedirect />
        <TrackingSession />
        <Routes>
          <Route path="/login" element={<GuestOnly><LoginPage /></GuestOnly>} />
          <Route path="/register" element={<GuestOnly><RegisterPage /></GuestOnly>} />
          <Route path="/" element={<RequireAuth><DashboardPage /></RequireAuth>} />
          <Route path="*" element={<Navigate to="/" replace />} />
        </Routes>
      </BrowserRouter>
    </QueryClientProvider>
  );
}
