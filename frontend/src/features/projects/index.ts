// Projects: the switcher, settings (members, invitations, ingestion keys, sharing, danger
// zone), the first-run and new-project pages, invitations, share links and API tokens.
export type { Project } from "./api/types";
export { ProjectSwitcher } from "./components/ProjectSwitcher";
export { SharedProjectGate } from "./components/SharedProjectGate";
export { useProjects } from "./hooks/useProjects";
export { InvitePage } from "./pages/InvitePage";
export { NewProjectPage } from "./pages/NewProjectPage";
export { ProjectSettingsPage } from "./pages/ProjectSettingsPage";
export { TokensPage } from "./pages/TokensPage";
export { chooseProject } from "./utils/choose";
