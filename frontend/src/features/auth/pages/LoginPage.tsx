import { useQuery } from "@tanstack/react-query";
import type { FormEvent } from "react";
import { Link, useNavigate, useSearchParams } from "react-router";

import { ApiError } from "../../../lib/api-client";
import { track } from "../../../lib/tracking";
import { fetchDemoCredentials } from "../api/demo";
import { AuthCard, FormError, TextField } from "../components/AuthCard";
import { useLogin } from "../hooks/useSession";
import { useTextFields } from "../hooks/useTextFields";

/** Only same-site paths may be used as the post-login destination. */
function safeNext(next: string | null): string {
  return next && next.startsWith("/") && !next.startsWith("//") ? next : "/";
}

export function LoginPage() {
  const fields = useTextFields({ username: "", password: "" });
  const loginMutation = useLogin();
  const navigate = useNavigate();
  const [searchParams] = useSearchParams();
  const error = loginMutation.error instanceof ApiError ? loginMutation.error : null;
  const demo = useQuery({
    queryKey: ["auth", "demo"],
    queryFn: ({ signal }) => fetchDemoCredentials(signal),
    staleTime: Number.POSITIVE_INFINITY,
    retry: false,
  });

  function submit(event: FormEvent) {
    event.preventDefault();
    loginMutation.mutate(
      fields.values,
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
        <FormError error={error} />
        <TextField label="Username" autoComplete="username" {...fields.bind("username", error)} />
        <TextField label="Password" type="password" autoComplete="current-password" {...fields.bind("password", error)} />
        <button type="submit" className="btn-primary w-full" disabled={loginMutation.isPending}>
          {loginMutation.isPending ? "Signing in…" : "Sign in"}
        </button>
      </form>
      {demo.data && (
        <div className="mt-4 rounded-lg border border-indigo-100 bg-indigo-50 p-3 text-sm dark:border-indigo-900 dark:bg-indigo-950" data-testid="demo-credentials">
          <p>
            Demo data is loaded. Sign in as <strong>{demo.data.username}</strong> with password{" "}
            <code className="font-mono">{demo.data.password}</code> (or user2, user3…).
          </p>
          <button
            type="button"
            className="mt-2 text-sm font-medium text-indigo-700 hover:underline dark:text-indigo-300"
            onClick={() => {
              fields.set("username", demo.data?.username ?? "");
              fields.set("password", demo.data?.password ?? "");
            }}
          >
            Fill in the demo login
          </button>
        </div>
      )}
      <p className="mt-6 text-center text-sm text-slate-500 dark:text-slate-400">
        New here?{" "}
        <Link to="/register" className="font-medium text-indigo-600 hover:underline dark:text-indigo-400">
          Create an account
        </Link>
      </p>
    </AuthCard>
  );
}
