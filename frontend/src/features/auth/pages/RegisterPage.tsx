import { useQuery } from "@tanstack/react-query";
import { useState, type FormEvent, type ReactNode } from "react";
import { Link, useNavigate, useSearchParams } from "react-router";

import { Options } from "../../../components/form/Options";
import { ApiError } from "../../../lib/api-client";
import { track } from "../../../lib/tracking";
import { GENDERS, type Gender, type RegisterInput } from "../api/auth";
import { fetchInvitationSummary, fetchRegistration, registrationQueryKey, type InvitationSummary } from "../api/registration";
import { AuthCard, Field, FormError, TextField } from "../components/AuthCard";
import { useRegister } from "../hooks/useSession";
import { useTextFields } from "../hooks/useTextFields";

const SIGN_IN_LINK = (
  <p className="mt-6 text-center text-sm text-slate-500 dark:text-slate-400">
    Already have an account?{" "}
    <Link to="/login" className="font-medium text-indigo-600 hover:underline dark:text-indigo-400">
      Sign in
    </Link>
  </p>
);

/** Register, as the server's registration mode allows: anyone ("open"), with an invitation
 * link ("invite": `?invitation=` carries its token), or nobody ("closed"); the first account
 * of an instance always may. With an invitation, the new account joins its project at once. */
export function RegisterPage() {
  const [searchParams] = useSearchParams();
  const invitationToken = searchParams.get("invitation");
  const registration = useQuery({
    queryKey: registrationQueryKey,
    queryFn: ({ signal }) => fetchRegistration(signal),
    staleTime: 60_000,
    retry: 1,
  });
  const invitation = useQuery({
    queryKey: ["auth", "invitation", invitationToken],
    queryFn: ({ signal }) => fetchInvitationSummary(invitationToken ?? "", signal),
    enabled: invitationToken !== null,
    retry: 1,
  });

  if (registration.isPending || (invitationToken !== null && invitation.isPending)) {
    return <Notice title="Create your account">Checking who may register…</Notice>;
  }
  // When the server cannot say, show the form: it enforces the mode on submit anyway.
  const mode = registration.data?.firstAccount ? "open" : (registration.data?.mode ?? "open");
  if (invitationToken !== null && invitation.data === null) {
    return (
      <Notice title="This invitation is no longer valid" testId="register-invitation-invalid">
        It may have expired, been used already or been revoked. Ask the person who invited you for a new link.
        {mode === "open" && (
          <>
            {" "}
            Or{" "}
            <Link to="/register" className="font-medium text-indigo-600 hover:underline dark:text-indigo-400">
              register without it
            </Link>
            .
          </>
        )}
      </Notice>
    );
  }
  if (mode === "closed") {
    return (
      <Notice title="Registration is closed" testId="registration-closed">
        This Ouroboard does not take new accounts. Ask its administrator if you need one.
      </Notice>
    );
  }
  if (mode === "invite" && invitationToken === null) {
    return (
      <Notice title="Registration needs an invitation" testId="registration-invite-only">
        New accounts join through an invitation link. Ask an admin of the project you want to join for one, then open it.
      </Notice>
    );
  }
  return <RegisterForm invitationToken={invitationToken} invitation={invitation.data ?? null} />;
}

/** A page that says why there is no form, with the way to sign in. */
function Notice({ title, testId, children }: { title: string; testId?: string; children: ReactNode }) {
  return (
    <AuthCard title={title} subtitle="">
      <p className="text-sm text-slate-600 dark:text-slate-300" data-testid={testId}>
        {children}
      </p>
      {SIGN_IN_LINK}
    </AuthCard>
  );
}

/** The form; with an invitation token it registers through it (`invitation` says what it
 * joins, when the server could tell). */
function RegisterForm({ invitationToken, invitation }: { invitationToken: string | null; invitation: InvitationSummary | null }) {
  const fields = useTextFields({ username: "", password: "", age: "" });
  const [gender, setGender] = useState<Gender>("Female");
  const registerMutation = useRegister();
  const navigate = useNavigate();
  const error = registerMutation.error instanceof ApiError ? registerMutation.error : null;

  function submit(event: FormEvent) {
    event.preventDefault();
    // The generated type reads `invitation: string | null`, but the server refuses null: the
    // key goes only with a token.
    const input = { ...fields.values, gender, ...(invitationToken !== null ? { invitation: invitationToken } : {}) } as RegisterInput;
    registerMutation.mutate(
      input,
      {
        onSuccess: () => {
          track("sign_up", invitationToken !== null ? { invited: true } : undefined);
          navigate(invitation ? `/?project=${encodeURIComponent(invitation.project.slug)}` : "/", { replace: true });
        },
      },
    );
  }

  const subtitle = invitation
    ? `You are joining ${invitation.project.name} as ${invitation.role}.`
    : "Age and gender power the dashboard's audience filters.";
  return (
    <AuthCard title="Create your account" subtitle={subtitle}>
      <form onSubmit={submit} noValidate>
        <FormError error={error} />
        <TextField label="Username" autoComplete="username" minLength={3} maxLength={32} {...fields.bind("username", error)} />
        <TextField
          label="Password (8 characters or more)"
          type="password"
          autoComplete="new-password"
          minLength={8}
          {...fields.bind("password", error)}
        />
        <div className="grid grid-cols-2 gap-3">
          <TextField label="Age" type="number" inputMode="numeric" min={1} max={120} {...fields.bind("age", error)} />
          <Field label="Gender" htmlFor="gender" error={error?.fieldError("gender")}>
            <select
              id="gender"
              name="gender"
              className="input"
              value={gender}
              onChange={(event) => setGender(event.target.value as Gender)}
            >
              <Options values={GENDERS} />
            </select>
          </Field>
        </div>
        <button type="submit" className="btn-primary w-full" disabled={registerMutation.isPending}>
          {registerMutation.isPending ? "Creating account…" : invitationToken !== null ? "Create account and join" : "Create account"}
        </button>
      </form>
      {SIGN_IN_LINK}
    </AuthCard>
  );
}
