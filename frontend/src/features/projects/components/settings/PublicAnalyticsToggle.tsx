import type { ProjectDetail } from "../../api/types";
import { useUpdateProject } from "../../hooks/useProjects";
import { ErrorNote } from "../ui";

/** The project's public sharing switch (admins): when on, anyone who knows the slug reads its
 * analytics without a link or a token, as the seed systems' clients do. A share link alone
 * never does that. */
export function PublicAnalyticsToggle({ project }: { project: ProjectDetail }) {
  const update = useUpdateProject(project.slug);
  // While saving, show the state asked for; the project is read again once it is stored.
  const checked = update.isPending && update.variables.publicSharing !== undefined ? update.variables.publicSharing : project.publicSharing;

  return (
    <div className="mb-4 border-b border-slate-100 pb-4 dark:border-slate-800" data-testid="public-analytics">
      <label className="flex items-center gap-2 text-sm font-medium">
        <input
          type="checkbox"
          checked={checked}
          disabled={update.isPending}
          aria-describedby="public-analytics-hint"
          onChange={(event) => update.mutate({ publicSharing: event.target.checked })}
        />
        Public analytics
        {update.isPending && <span className="font-normal text-slate-500">Saving…</span>}
      </label>
      <p id="public-analytics-hint" className="mt-1 text-sm text-slate-500 dark:text-slate-400">
        Anyone who knows the project’s slug (<code>{project.slug}</code>) can then read its analytics without a link or a token, as the seed systems’ clients need.
      </p>
      <ErrorNote error={update.error} prefix="Could not change public analytics" />
    </div>
  );
}
