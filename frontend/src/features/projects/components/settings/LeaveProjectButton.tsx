import { useNavigate } from "react-router";

import type { Project } from "../../api/types";
import { useLeaveProject, useRefreshProjects } from "../../hooks/useProjects";
import { ConfirmButton, ErrorNote } from "../ui";

/** Leave a project (not as its only owner: the server answers 409 and says why). */
export function LeaveProjectButton({ project }: { project: Pick<Project, "slug" | "name"> }) {
  const leave = useLeaveProject(project.slug);
  const refreshProjects = useRefreshProjects();
  const navigate = useNavigate();
  return (
    <div>
      <ConfirmButton
        label="Leave project"
        confirmLabel="Leave"
        question={`Leave ${project.name}?`}
        busy={leave.isPending}
        onConfirm={() =>
          leave.mutate(undefined, {
            onSuccess: () => {
              navigate("/", { replace: true });
              // Once this page is left (its queries are not asked again), the list loads afresh.
              void refreshProjects();
            },
          })
        }
      />
      <ErrorNote error={leave.error} />
    </div>
  );
}
