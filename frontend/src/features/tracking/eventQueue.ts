// The dashboard's tracker: one queue per tab, flushed when the page is hidden or left.
import { API_BASE, requestHeaders } from "../../lib/api-client";
import { setTracker } from "../../lib/tracking";
import { EventQueue, randomUuid } from "./queue";

const SESSION_KEY = "ouroboard.session";

function tabSessionId(): string {
  try {
    const existing = sessionStorage.getItem(SESSION_KEY);
    if (existing) return existing;
    const created = randomUuid();
    sessionStorage.setItem(SESSION_KEY, created);
    return created;
  } catch {
    return randomUuid();
  }
}

function safeSessionStorage(): Storage | null {
  try {
    return window.sessionStorage;
  } catch {
    return null;
  }
}

export const eventQueue = new EventQueue({
  endpoint: `${API_BASE}/events`,
  headers: () => requestHeaders("POST"),
  storage: safeSessionStorage(),
  sessionId: tabSessionId(),
});
// Nothing is sent until a session exists; TrackingSession enables the queue once the user is known.
eventQueue.setEnabled(false);
// Every track() in the dashboard lands in this queue.
setTracker(eventQueue);

function flushBeforeLeaving(): void {
  void eventQueue.flush({ keepalive: true });
}

document.addEventListener("visibilitychange", () => {
  if (document.visibilityState === "hidden") flushBeforeLeaving();
});
window.addEventListener("pagehide", flushBeforeLeaving);
