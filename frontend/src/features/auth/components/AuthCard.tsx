import type { InputHTMLAttributes, ReactNode } from "react";

import type { ApiError } from "../../../lib/api-client";
import { BrandMark } from "../../../components/layout/BrandMark";

/** The frame shared by the login and register pages. */
export function AuthCard({ title, subtitle, children }: { title: string; subtitle: string; children: ReactNode }) {
  return (
    <main className="flex min-h-screen items-center justify-center p-4">
      <div className="w-full max-w-sm rounded-2xl border border-slate-200 bg-white p-6 shadow-sm dark:border-slate-800 dark:bg-slate-900 sm:p-8">
        <BrandMark className="mb-6" />
        <h1 className="text-2xl font-semibold">{title}</h1>
        <p className="mb-6 mt-1 text-sm text-slate-500 dark:text-slate-400">{subtitle}</p>
        {children}
      </div>
    </main>
  );
}

/** The form-level error: shown when the API's answer is not about one field. */
export function FormError({ error }: { error: ApiError | null }) {
  if (!error || Object.keys(error.details).length > 0) return null;
  return (
    <p role="alert" className="mb-4 rounded-lg bg-red-50 p-3 text-sm text-red-700 dark:bg-red-950 dark:text-red-300">
      {error.message}
    </p>
  );
}

/** A labelled wrapper with the field's error message underneath. */
export function Field({
  label,
  error,
  children,
  htmlFor,
}: {
  label: string;
  error?: string;
  htmlFor: string;
  children: ReactNode;
}) {
  return (
    <div className="mb-4">
      <label htmlFor={htmlFor} className="mb-1 block text-sm font-medium">
        {label}
      </label>
      {children}
      {error && (
        <p id={`${htmlFor}-error`} role="alert" className="mt-1 text-sm text-red-600 dark:text-red-400">
          {error}
        </p>
      )}
    </div>
  );
}

type TextFieldProps = Omit<InputHTMLAttributes<HTMLInputElement>, "onChange" | "value"> & {
  name: string;
  label: string;
  value: string;
  onValue: (value: string) => void;
  error?: ApiError | null;
};

/** A text input inside a Field, showing the API's message for the field of the same name. */
export function TextField({ name, label, value, onValue, error, ...inputProps }: TextFieldProps) {
  const message = error?.fieldError(name);
  return (
    <Field label={label} htmlFor={name} error={message}>
      <input
        id={name}
        name={name}
        className="input"
        required
        aria-invalid={message ? true : undefined}
        aria-describedby={message ? `${name}-error` : undefined}
        value={value}
        onChange={(event) => onValue(event.target.value)}
        {...inputProps}
      />
    </Field>
  );
}
