import { Link, useSearchParams } from "react-router";

import { track } from "../../../lib/tracking";
import type { Project } from "../api/types";
import { canManage } from "../utils/roles";

/** The header's project controls: a select over the user's projects (switching keeps the
 * filters in the URL), a link to create one, and the settings link for admins and owners. */
export function ProjectSwitcher({ projects, current }: { projects: Project[]; current: Project }) {
  const [, setSearchParams] = useSearchParams();

  function choose(slug: string) {
    if (slug === current.slug) return;
    track("project_switch", { isSelfTracking: projects.find((project) => project.slug === slug)?.isSelfTracking ?? false });
    setSearchParams((search) => {
      const next = new URLSearchParams(search);
      next.set("project", slug);
      return next;
    });
  }

  return (
    <div className="flex items-center gap-2" data-testid="project-switcher">
      <label htmlFor="project-switcher" className="sr-only">
        Project
      </label>
      <select
        id="project-switcher"
        className="input h-9 max-w-[14rem] py-1"
        value={current.slug}
        onChange={(event) => choose(event.target.value)}
      >
        {projects.map((project) => (
          <option key={project.slug} value={project.slug}>
            {project.name}
          </option>
        ))}
      </select>
      <Link to="/projects/new" className="btn-secondary h-9" aria-label="New project" title="New project">
        +<span className="ml-1 hidden lg:inline">New</span>
      </Link>
      {canManage(current.role) && (
        <Link to={`/settings/${encodeURIComponent(current.slug)}`} className="btn-secondary h-9" data-testid="settings-link">
          Settings
        </Link>
      )}
    </div>
  );
}
