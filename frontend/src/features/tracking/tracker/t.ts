// Ouroboard's public tracker, served at /t.js:
//   <script src="https://host/t.js" data-key="KEY" defer></script>
// Sends page views (SPA navigations included) and window.ouroboard.track(name, props).
// Options: data-no-storage (no anonymous id kept), data-respect-dnt (honour Do Not Track).

interface Ouroboard {
  track(name: string, properties?: Record<string, unknown>): void;
}

declare global {
  interface Window {
    ouroboard?: Ouroboard;
  }
}

((): void => {
  const script = document.currentScript as HTMLScriptElement | null;
  if (!script || window.ouroboard) return;
  const key = script.dataset.key ?? "";
  const endpoint = new URL("/api/v1/events", script.src).href;
  const dnt = script.hasAttribute("data-respect-dnt") &&
    (navigator.doNotTrack === "1" || (window as { doNotTrack?: string }).doNotTrack === "1");
  if (!key || dnt) {
    window.ouroboard = { track: () => undefined };
    return;
  }

  const uuid = (): string =>
    crypto.randomUUID
      ? crypto.randomUUID()
      : "10000000-1000-4000-8000-100000000000".replace(/[018]/g, (c) =>
          (+c ^ (crypto.getRandomValues(new Uint8Array(1))[0]! & (15 >> (+c / 4)))).toString(16),
        );

  let anonymousId: string | undefined;
  if (!script.hasAttribute("data-no-storage")) {
    try {
      anonymousId = localStorage.getItem("ouroboard_aid") ?? undefined;
      if (!anonymousId) localStorage.setItem("ouroboard_aid", (anonymousId = uuid()));
    } catch {
      anonymousId = undefined;
    }
  }

  const send = (name: string, properties?: Record<string, unknown>): void => {
    const now = new Date().toISOString();
    const body = JSON.stringify({
      key,
      sent_at: now,
      events: [{
        name,
        uuid: uuid(),
        timestamp: now,
        page_url: location.href.slice(0, 2000),
        referrer: document.referrer.slice(0, 2000) || undefined,
        anonymous_id: anonymousId,
        properties,
      }],
    });
    // text/plain keeps the request "simple": no CORS preflight, and sendBeacon accepts it.
    const blob = new Blob([body], { type: "text/plain" });
    if (navigator.sendBeacon?.(endpoint, blob)) return;
    void fetch(endpoint, { method: "POST", body, keepalive: true, credentials: "omit",
      headers: { "Content-Type": "text/plain" } }).catch(() => undefined);
  };

  let lastPath = "";
  const pageView = (): void => {
    const path = location.pathname + location.search;
    if (path === lastPath) return;
    lastPath = path;
    send("page_view", { title: document.title.slice(0, 200) });
  };

  for (const method of ["pushState", "replaceState"] as const) {
    const original = history[method];
    history[method] = function (this: History, ...args: Parameters<History["pushState"]>) {
      original.apply(this, args);
      pageView();
    };
  }
  addEventListener("popstate", pageView);

  window.ouroboard = { track: send };
  pageView();
})();

export {};
