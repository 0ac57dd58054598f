import { useState, type FormEvent } from "react";
import { Link, useNavigate } from "react-router";

import { Options } from "../../../components/form/Options";
import { ApiError } from "../../../lib/api-client";
import { track } from "../../../lib/tracking";
import { GENDERS, type Gender } from "../api/auth";
import { AuthCard, Field, FormError, TextField } from "../components/AuthCard";
import { useRegister } from "../hooks/useSession";
import { useTextFields } from "../hooks/useTextFields";

export function RegisterPage() {
  const fields = useTextFields({ username: "", password: "", age: "" });
  const [gender, setGender] = useState<Gender>("Female");
  const registerMutation = useRegister();
  const navigate = useNavigate();
  const error = registerMutation.error instanceof ApiError ? registerMutation.error : null;

  function submit(event: FormEvent) {
    event.preventDefault();
    registerMutation.mutate(
      { ...fields.values, gender },
      {
        onSuccess: () => {
          track("sign_up");
          navigate("/", { replace: true });
        },
      },
    );
  }

  return (
    <AuthCard title="Create your account" subtitle="Age and gender power the dashboard's audience filters.">
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
          {registerMutation.isPending ? "Creating account…" : "Create account"}
        </button>
      </form>
      <p className="mt-6 text-center text-sm text-slate-500 dark:text-slate-400">
        Already have an account?{" "}
        <Link to="/login" className="font-medium text-indigo-600 hover:underline dark:text-indigo-400">
          Sign in
        </Link>
      </p>
    </AuthCard>
  );
}
