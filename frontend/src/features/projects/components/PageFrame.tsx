import type { ReactNode } from "react";
import { Link } from "react-router";

import { Header } from "../../../components/layout/Header";

/** The frame of the projects pages: the header (a way back, the account controls) and a
 * narrow column. */
export function PageFrame({
  title,
  subtitle,
  back = { to: "/", label: "Dashboard" },
  account,
  children,
}: {
  title: string;
  subtitle?: ReactNode;
  back?: { to: string; label: string } | null;
  account?: ReactNode;
  children: ReactNode;
}) {
  return (
    <div className="min-h-screen">
      <Header
        nav={
          back && (
            <Link to={back.to} className="text-sm font-medium text-slate-600 hover:underline dark:text-slate-300">
              ← {back.label}
            </Link>
          )
        }
      >
        {account}
      </Header>
      <main className="mx-auto flex max-w-4xl flex-col gap-4 px-3 py-6 sm:px-6">
        <div>
          <h1 className="text-2xl font-semibold">{title}</h1>
          {subtitle && <p className="mt-1 text-sm text-slate-500 dark:text-slate-400">{subtitle}</p>}
        </div>
        {children}
      </main>
    </div>
  );
}
