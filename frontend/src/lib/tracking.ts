// What the dashboard tracks about its own use: one name per interaction, and one way to
// record it. features/tracking plugs its event queue in at start-up; until it does (and in
// unit tests, unless they plug in their own), track() records nothing.

/** Every event name the dashboard sends. Add a name here before tracking it. */
export type TrackedEvent =
  | "page_view"
  | "sign_in"
  | "sign_up"
  | "sign_out"
  | "sign_out_everywhere"
  | "password_change"
  | "date_filter"
  | "age_filter"
  | "gender_filter"
  | "filter_reset"
  | "bar_chart_click"
  | "feature_clear"
  | "web_filter_add"
  | "web_filter_remove"
  | "web_tab_change"
  | "web_panels_open"
  | "line_chart_hover"
  | "refresh_data"
  | "theme_toggle"
  | "export_csv"
  | "project_switch"
  | "project_create"
  | "project_update"
  | "member_role_change"
  | "member_remove"
  | "invitation_create"
  | "invitation_revoke"
  | "invitation_accept"
  | "ingest_key_create"
  | "ingest_key_update"
  | "ingest_key_revoke"
  | "share_link_create"
  | "share_link_revoke"
  | "api_token_create"
  | "api_token_revoke"
  | "project_leave"
  | "project_transfer"
  | "project_delete"
  | "copy_to_clipboard";

export type TrackedProperties = Record<string, unknown>;

/** Where tracked events go (features/tracking's event queue). */
export interface Tracker {
  track(name: TrackedEvent, properties?: TrackedProperties): unknown;
  flush(): Promise<void>;
  setEnabled(enabled: boolean): void;
}

let tracker: Tracker | null = null;
let muted = false;

export function setTracker(next: Tracker | null): void {
  tracker = next;
}

/** Drop every track() while muted: a share link's visitors are not our users, and what they
 * click must neither be sent nor wait in the queue for someone to sign in later. */
export function muteTracking(mute: boolean): void {
  muted = mute;
}

/** Record an interaction; it reaches the charts within a few seconds. */
export function track(name: TrackedEvent, properties?: TrackedProperties): void {
  if (muted) return;
  tracker?.track(name, properties);
}

/** Deliver what was tracked so far and keep tracking (before an action that may end the
 * session, or may fail and leave it running). */
export async function flushTracking(): Promise<void> {
  await tracker?.flush();
}

/** Deliver what this session tracked, then send nothing more (before logging out). */
export async function endTrackingSession(): Promise<void> {
  if (!tracker) return;
  await tracker.flush();
  tracker.setEnabled(false);
}
