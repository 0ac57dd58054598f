import { useState, type FormEvent } from "react";
import { Link, useNavigate, useSearchParams } from "react-router";

import { ApiError } from "../api/client";
import { useLogin } from "../auth/useSession";
import { AuthCard, Field } from "../components/layout/AuthCard";
import { track } from "../tracking";

/** Only same-site paths may be used as the post-login destination. */
function safeNext(next: string | null): string {
  return next && next.startsWith("/") && !next.startsWith("//") ? next : "/";
}

export function LoginPage() {
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const loginMutation = useLogin();
  const navigate = useNavigate();
  const [searchParams] = useSearchParams();
  const error = loginMutation.error instanceof ApiError ? loginMutation.error : null;

  function submit(event: FormEvent) {
    event.preventDefault();
    loginMutation.mutate(
      { username, password },
      {
        onSuccess: () => {
          track("sign_in");
          navigate(safeNext(searchParams.get("next")), { replace: true });
        },
      },
    );
  }

  return (
    <AuthCard title="Sign in" subtitle="Welcome back. Your dashboard is waiting.">
      <form onSubmit={submit} noValidate>
        {error && !error.fieldError("username") && !error.fieldError("password") && (
          <p role="alert" className="mb-4 rounded-lg bg-red-50 p-3 text-sm text-red-700 dark:bg-red-950 dark:text-red-300">
            {error.message}
          </p>
        )}
        <Field label="Username" htmlFor="username" error={error?.fieldError("username")}>
          <input
            id="username"
            name="username"
            className="input"
            autoComplete="username"
            required
            value={username}
            onChange={(event) => setUsername(event.target.value)}
          />
        </Field>
        <Field label="Password" htmlFor="password" error={error?.fieldError("password")}>
          <input
            id="password"
            name="password"
            type="password"
            className="input"
            autoComplete="current-password"
            required
            value={password}
            onChange={(event) => setPassword(event.target.value)}
          />
        </Field>
        <button type="submit" className="btn-primary w-full" disabled={loginMutation.isPending}>
          {loginMutation.isPending ? "Signing in…" : "Sign in"}
        </button>
      </form>
      <p className="mt-6 text-center text-sm text-slate-500 dark:text-slate-400">
        New here?{" "}
        <Link to="/register" className="font-medium text-indigo-600 hover:underline dark:text-indigo-400">
          Create an account
        </Link>
      </p>
    </AuthCard>
  );
}
