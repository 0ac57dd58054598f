import { useEffect, useRef, useState } from "react";
import { useNavigate } from "react-router";

import { flushTracking, track } from "../../../lib/tracking";
import { useLogoutEverywhere } from "../hooks/useSession";
import { ChangePasswordDialog } from "./ChangePasswordDialog";
import { LogoutButton } from "./LogoutButton";

const ITEM = "block w-full px-4 py-2 text-left text-sm hover:bg-slate-100 disabled:opacity-50 dark:hover:bg-slate-800";

/** The account controls in the header: a menu (change the password, personal API tokens,
 * sign out everywhere) and the log-out button beside it. */
export function AccountMenu() {
  const [open, setOpen] = useState(false);
  const [changing, setChanging] = useState(false);
  const menu = useRef<HTMLDivElement>(null);
  const navigate = useNavigate();
  const everywhereMutation = useLogoutEverywhere();

  useEffect(() => {
    if (!open) return;
    const closeOutside = (event: MouseEvent) => {
      if (!menu.current?.contains(event.target as Node)) setOpen(false);
    };
    document.addEventListener("mousedown", closeOutside);
    return () => document.removeEventListener("mousedown", closeOutside);
  }, [open]);

  /** Deliver this session's events while the session still exists, then end them all.
   * Tracking stops with the session (the app sees no user); if the request fails, both go on. */
  async function signOutEverywhere() {
    track("sign_out_everywhere");
    await flushTracking();
    everywhereMutation.mutate(undefined, { onSuccess: () => navigate("/login", { replace: true }) });
  }

  return (
    <>
      <div className="relative" ref={menu}>
        <button
          type="button"
          className="btn-secondary"
          aria-haspopup="menu"
          aria-expanded={open}
          onClick={() => setOpen(!open)}
        >
          Account <span aria-hidden="true">▾</span>
        </button>
        {open && (
          <div
            role="menu"
            className="absolute right-0 z-20 mt-1 w-56 overflow-hidden rounded-lg border border-slate-200 bg-white py-1 shadow-lg dark:border-slate-700 dark:bg-slate-900"
          >
            <button
              type="button"
              role="menuitem"
              className={ITEM}
              onClick={() => {
                setOpen(false);
                setChanging(true);
              }}
            >
              Change password
            </button>
            <button
              type="button"
              role="menuitem"
              className={ITEM}
              onClick={() => {
                setOpen(false);
                navigate("/account/tokens");
              }}
            >
              API tokens
            </button>
            <button
              type="button"
              role="menuitem"
              className={ITEM}
              disabled={everywhereMutation.isPending}
              onClick={() => void signOutEverywhere()}
            >
              {everywhereMutation.isPending ? "Signing out everywhere…" : "Sign out everywhere"}
            </button>
          </div>
        )}
        {everywhereMutation.isError && (
          <p
            role="alert"
            className="absolute right-0 mt-1 w-56 rounded-lg bg-red-50 p-2 text-sm text-red-700 dark:bg-red-950 dark:text-red-300"
          >
            {everywhereMutation.error.message}
          </p>
        )}
        {changing && <ChangePasswordDialog onClose={() => setChanging(false)} />}
      </div>
      <LogoutButton />
    </>
  );
}
