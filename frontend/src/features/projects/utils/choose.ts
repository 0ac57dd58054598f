// Which of the user's projects the dashboard shows.
import type { Project } from "../api/types";

/** The project named in the URL, or with none named the API's default: the self-tracking
 * project for its members, else the first of the list (GET /projects lists it first).
 * `undefined` when the URL names a project that is not among the user's. */
export function chooseProject(projects: Project[], requested: string | null): Project | undefined {
  if (requested) return projects.find((project) => project.slug === requested);
  return projects.find((project) => project.isSelfTracking) ?? projects[0];
}
