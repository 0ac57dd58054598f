// Auth: the login and register pages, the session hooks, route guards and logging out.
export { meQueryKey } from "./api/auth";
export { GuestOnly, RequireAuth } from "./components/RequireAuth";
export { LogoutButton } from "./components/LogoutButton";
export { useCurrentUser } from "./hooks/useSession";
export { LoginPage } from "./pages/LoginPage";
export { RegisterPage } from "./pages/RegisterPage";
