// Auth: the login and register pages, the session hooks, route guards and the account menu.
export { meQueryKey } from "./api/auth";
export { AccountMenu } from "./components/AccountMenu";
export { GuestOnly, RequireAuth } from "./components/RequireAuth";
export { useCurrentUser } from "./hooks/useSession";
export { LoginPage } from "./pages/LoginPage";
export { RegisterPage } from "./pages/RegisterPage";
