// Ouroboard's public tracker, served at /t.js:
//   <script src="https://host/t.js" data-key="KEY" defer></script>
// Sends page views (SPA navigations included) and window.ouroboard.track(name, props);
// window.ouroboard.identify(id, traits) names the visitor (their anonymous id becomes an
// alias of `id`, and later events are sent as `id`), and reset() forgets it (sign-out).
// Options: data-no-storage (no anonymous id kept), data-respect-dnt (honour Do Not Track).

type Traits = Record<string, unknown>;

interface Ouroboard {
  track(name: string, properties?: Traits): void;
  identify(id: string, traits?: Traits): void;
  reset(): void;
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
  const identifyEndpoint = new URL("/api/v1/identify", script.src).href;
  const dnt = script.hasAttribute("data-respect-dnt") &&
    (navigator.doNotTrack === "1" || (window as { doNotTrack?: string }).doNotTrack === "1");
  if (!key || dnt) {
    const ignore = (): void => undefined;
    window.ouroboard = { track: ignore, identify: ignore, reset: ignore };
    return;
  }

  const uuid = (): string =>
    crypto.randomUUID
      ? crypto.randomUUID()
      : "10000000-1000-4000-8000-100000000000".replace(/[018]/g, (c) =>
          (+c ^ (crypto.getRandomValues(new Uint8Array(1))[0]! & (15 >> (+c / 4)))).toString(16),
        );

  const storing = !script.hasAttribute("data-no-storage");
  const stored = (name: string): string | undefined => {
    try {
      return storing ? localStorage.getItem(name) ?? undefined : undefined;
    } catch {
      return undefined;
    }
  };
  const store = (name: string, value: string | undefined): void => {
    try {
      if (!storing) return;
      if (value === undefined) localStorage.removeItem(name);
      else localStorage.setItem(name, value);
    } catch {
      // Storage refused (private mode, quota): the ids live as long as the page.
    }
  };
  let anonymousId = stored("ouroboard_aid");
  if (storing && !anonymousId) store("ouroboard_aid", (anonymousId = uuid()));
  // The id given to identify(): events are sent as this person until reset().
  let personId = stored("ouroboard_pid");

  const post = (url: string, body: string): void => {
    // text/plain keeps the request "simple": no CORS preflight, and sendBeacon accepts it.
    const blob = new Blob([body], { type: "text/plain" });
    if (navigator.sendBeacon?.(url, blob)) return;
    void fetch(url, { method: "POST", body, keepalive: true, credentials: "omit",
      headers: { "Content-Type": "text/plain" } }).catch(() => undefined);
  };

  const send = (name: string, properties?: Traits): void => {
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
        anonymous_id: personId ?? anonymousId,
        properties,
      }],
    });
    post(endpoint, body);
  };

  const identify = (id: string, traits?: Traits): void => {
    if (typeof id !== "string" || !id) return;
    const previous = personId ?? anonymousId;
    post(identifyEndpoint, JSON.stringify({
      key,
      distinct_id: id,
      anonymous_id: previous !== id ? previous : undefined,
      traits,
    }));
    store("ouroboard_pid", (personId = id));
  };

  const reset = (): void => {
    // A new anonymous id too: the next visitor on this browser is someone else.
    store("ouroboard_pid", (personId = undefined));
    if (storing) store("ouroboard_aid", (anonymousId = uuid()));
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

  window.ouroboard = { track: send, identify, reset };
  pageView();
})();

export {};
