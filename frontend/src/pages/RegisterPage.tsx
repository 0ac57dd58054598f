import { useState, type FormEvent } from "react";
import { Link, useNavigate } from "react-router";

import { GENDERS, type Gender } from "../api/auth";
import { ApiError } from "../api/client";
import { useRegister } from "../auth/useSession";
import { AuthCard, Field } from "../components/layout/AuthCard";
import { track } from "../tracking";

export function RegisterPage() {
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [age, setAge] = useState("");
  const [gender, setGender] = useState<Gender>("Female");
  const registerMutation = useRegister();
  const navigate = useNavigate();
  const error = registerMutation.error instanceof ApiError ? registerMutation.error : null;
  const hasFieldErrors = error !== null && Object.keys(error.details).length > 0;

  function submit(event: FormEvent) {
    event.preventDefault();
    registerMutation.mutate(
      { username, password, age, gender },
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
        {error && !hasFieldErrors && (
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
            minLength={3}
            maxLength={32}
            value={username}
            onChange={(event) => setUsername(event.target.value)}
          />
        </Field>
        <Field label="Password (8 characters or more)" htmlFor="password" error={error?.fieldError("password")}>
          <input
            id="password"
            name="password"
            type="password"
            className="input"
            autoComplete="new-password"
            required
            minLength={8}
            value={password}
            onChange={(event) => setPassword(event.target.value)}
          />
        </Field>
        <div className="grid grid-cols-2 gap-3">
          <Field label="Age" htmlFor="age" error={error?.fieldError("age")}>
            <input
              id="age"
              name="age"
              type="number"
              inputMode="numeric"
              min={1}
              max={120}
              className="input"
              required
              value={age}
              onChange={(event) => setAge(event.target.value)}
            />
          </Field>
          <Field label="Gender" htmlFor="gender" error={error?.fieldError("gender")}>
            <select
              id="gender"
              name="gender"
              className="input"
              value={gender}
              onChange={(event) => setGender(event.target.value as Gender)}
            >
              {GENDERS.map((option) => (
                <option key={option} value={option}>
                  {option}
                </option>
              ))}
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
