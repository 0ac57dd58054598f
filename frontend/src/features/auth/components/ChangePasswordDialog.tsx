import { useEffect, useRef, useState, type FormEvent } from "react";
import { createPortal } from "react-dom";

import { ApiError } from "../../../lib/api-client";
import { track } from "../../../lib/tracking";
import { useChangePassword } from "../hooks/useSession";
import { useTextFields } from "../hooks/useTextFields";
import { Field, FormError, TextField } from "./AuthCard";

const MISMATCH = "The two new passwords differ.";

/** A dialog to change the password: the current one, the new one twice. On success the
 * server has signed out every other session, and this one carries on. */
export function ChangePasswordDialog({ onClose }: { onClose: () => void }) {
  const fields = useTextFields({ currentPassword: "", newPassword: "", confirmPassword: "" });
  const [mismatch, setMismatch] = useState(false);
  const changeMutation = useChangePassword();
  const error = changeMutation.error instanceof ApiError ? changeMutation.error : null;
  const firstInput = useRef<HTMLDivElement>(null);

  useEffect(() => {
    firstInput.current?.querySelector("input")?.focus();
    const closeOnEscape = (event: KeyboardEvent) => event.key === "Escape" && onClose();
    window.addEventListener("keydown", closeOnEscape);
    return () => window.removeEventListener("keydown", closeOnEscape);
  }, [onClose]);

  function submit(event: FormEvent) {
    event.preventDefault();
    const { currentPassword, newPassword, confirmPassword } = fields.values;
    setMismatch(newPassword !== confirmPassword);
    if (newPassword !== confirmPassword) return;
    changeMutation.mutate(
      { currentPassword, newPassword },
      { onSuccess: () => track("password_change") },
    );
  }

  // On the body: the header's backdrop blur would otherwise confine a fixed overlay to it.
  return createPortal(
    <div className="fixed inset-0 z-30 flex items-center justify-center bg-slate-900/40 p-4" onClick={onClose}>
      <div
        role="dialog"
        aria-modal="true"
        aria-labelledby="change-password-title"
        className="w-full max-w-sm rounded-2xl border border-slate-200 bg-white p-6 shadow-lg dark:border-slate-800 dark:bg-slate-900"
        onClick={(event) => event.stopPropagation()}
      >
        <h2 id="change-password-title" className="mb-4 text-lg font-semibold">
          Change password
        </h2>
        {changeMutation.isSuccess ? (
          <>
            <p role="status" className="mb-4 rounded-lg bg-emerald-50 p-3 text-sm text-emerald-800 dark:bg-emerald-950 dark:text-emerald-200">
              Password changed. Every other session is signed out; this one carries on.
            </p>
            <button type="button" className="btn-primary w-full" onClick={onClose}>
              Done
            </button>
          </>
        ) : (
          <form onSubmit={submit} noValidate>
            <FormError error={error} />
            <div ref={firstInput}>
              <TextField label="Current password" type="password" autoComplete="current-password" {...fields.bind("currentPassword", error)} />
            </div>
            <TextField label="New password" type="password" autoComplete="new-password" minLength={8} {...fields.bind("newPassword", error)} />
            <Field label="Repeat new password" htmlFor="confirmPassword" error={mismatch ? MISMATCH : undefined}>
              <input
                id="confirmPassword"
                name="confirmPassword"
                type="password"
                autoComplete="new-password"
                className="input"
                required
                aria-invalid={mismatch ? true : undefined}
                aria-describedby={mismatch ? "confirmPassword-error" : undefined}
                value={fields.values.confirmPassword}
                onChange={(event) => fields.set("confirmPassword", event.target.value)}
              />
            </Field>
            <div className="flex gap-2">
              <button type="button" className="btn-secondary flex-1" onClick={onClose}>
                Cancel
              </button>
              <button type="submit" className="btn-primary flex-1" disabled={changeMutation.isPending}>
                {changeMutation.isPending ? "Changing…" : "Change password"}
              </button>
            </div>
          </form>
        )}
      </div>
    </div>,
    document.body,
  );
}
