import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

import { EventQueue, isRetryable, randomUuid, type QueueOptions } from "./queue";

class MemoryStorage implements Storage {
  private items = new Map<string, string>();
  get length() {
    return this.items.size;
  }
  clear() {
    this.items.clear();
  }
  getItem(key: string) {
    return this.items.get(key) ?? null;
  }
  key(index: number) {
    return [...this.items.keys()][index] ?? null;
  }
  removeItem(key: string) {
    this.items.delete(key);
  }
  setItem(key: string, value: string) {
    this.items.set(key, value);
  }
}

type Sent = { events: { uuid: string; name: string; timestamp: string }[]; sent_at: string };

function fakeServer(statuses: number[] = []) {
  const requests: { body: Sent; init: RequestInit }[] = [];
  const fetchImpl = vi.fn(async (_url: RequestInfo | URL, init?: RequestInit) => {
    requests.push({ body: JSON.parse(String(init?.body)) as Sent, init: init ?? {} });
    const status = statuses.length > 0 ? statuses.shift()! : 202;
    if (status === 0) throw new TypeError("Failed to fetch");
    return new Response("{}", { status });
  });
  return { fetchImpl: fetchImpl as unknown as typeof fetch, requests };
}

function makeQueue(overrides: Partial<QueueOptions> = {}) {
  return new EventQueue({
    endpoint: "/api/v1/events",
    headers: () => ({ "X-CSRF-TOKEN": "csrf-1" }),
    storage: new MemoryStorage(),
    random: () => 0.5,
    location: () => "/dashboard",
    sessionId: "session-1",
    ...overrides,
  });
}

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe("EventQueue", () => {
  it("gives each event a uuid and timestamp when it is tracked", () => {
    const queue = makeQueue({ fetchImpl: fakeServer().fetchImpl, now: () => new Date("2026-11-01T10:00:00Z") });
    const event = queue.track("date_filter", { preset: "7d" });
    expect(event.uuid).toMatch(/^[0-9a-f-]{36}$/);
    expect(event).toMatchObject({
      name: "date_filter",
      timestamp: "2026-11-01T10:00:00.000Z",
      session_id: "session-1",
      page_url: "/dashboard",
      properties: { preset: "7d" },
    });
  });

  it("flushes every 2 seconds with sent_at and the CSRF header", async () => {
    const server = fakeServer();
    const queue = makeQueue({ fetchImpl: server.fetchImpl });
    queue.track("a");
    queue.track("b");
    await vi.advanceTimersByTimeAsync(1999);
    expect(server.requests).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(server.requests).toHaveLength(1);
    const { body, init } = server.requests[0]!;
    expect(body.events.map((event) => event.name)).toEqual(["a", "b"]);
    expect(body.sent_at).toBeTruthy();
    expect((init.headers as Record<string, string>)["X-CSRF-TOKEN"]).toBe("csrf-1");
    expect(queue.size).toBe(0);
  });

  it("flushes at once when 20 events are waiting", async () => {
    const server = fakeServer();
    const queue = makeQueue({ fetchImpl: server.fetchImpl });
    for (let i = 0; i < 20; i += 1) queue.track(`e${i}`);
    await vi.advanceTimersByTimeAsync(0);
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]!.body.events).toHaveLength(20);
  });

  it.each([0, 500, 503, 429])("retries with backoff after %s and keeps the same uuids", async (status) => {
    const server = fakeServer([status, status]);
    const queue = makeQueue({ fetchImpl: server.fetchImpl, baseBackoffMs: 1000 });
    queue.track("a");
    await vi.advanceTimersByTimeAsync(2000);
    expect(server.requests).toHaveLength(1);
    // First retry waits between 500 and 1000 ms (0.75 s with this random), the next twice that.
    await vi.advanceTimersByTimeAsync(749);
    expect(server.requests).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(server.requests).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1499);
    expect(server.requests).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(server.requests).toHaveLength(3);
    const uuids = server.requests.map((request) => request.body.events[0]!.uuid);
    expect(new Set(uuids).size).toBe(1);
    expect(queue.size).toBe(0);
  });

  it("honours a longer Retry-After", async () => {
    const requests: number[] = [];
    const fetchImpl = vi.fn(async () => {
      requests.push(Date.now());
      return requests.length === 1
        ? new Response("{}", { status: 503, headers: { "Retry-After": "5" } })
        : new Response("{}", { status: 202 });
    }) as unknown as typeof fetch;
    const queue = makeQueue({ fetchImpl });
    queue.track("a");
    await vi.advanceTimersByTimeAsync(2000);
    await vi.advanceTimersByTimeAsync(4999);
    expect(requests).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(requests).toHaveLength(2);
  });

  it.each([400, 401, 403, 413])("drops a batch refused with %s and never retries it", async (status) => {
    const server = fakeServer([status]);
    const warn = vi.spyOn(console, "warn").mockImplementation(() => undefined);
    const queue = makeQueue({ fetchImpl: server.fetchImpl });
    queue.track("a");
    await vi.advanceTimersByTimeAsync(60_000);
    expect(server.requests).toHaveLength(1);
    expect(queue.size).toBe(0);
    warn.mockRestore();
  });

  it("keeps unsent events across a reload through storage", async () => {
    const storage = new MemoryStorage();
    const offline = fakeServer([0, 0, 0]);
    const first = makeQueue({ fetchImpl: offline.fetchImpl, storage });
    const tracked = first.track("before_reload");
    first.setEnabled(false);
    const online = fakeServer();
    const reloaded = makeQueue({ fetchImpl: online.fetchImpl, storage });
    expect(reloaded.size).toBe(1);
    await vi.advanceTimersByTimeAsync(2000);
    expect(online.requests[0]!.body.events[0]!.uuid).toBe(tracked.uuid);
    expect(storage.getItem("ouroboard.queue")).toBe("[]");
  });

  it("sends with keepalive when the page is being left", async () => {
    const server = fakeServer();
    const queue = makeQueue({ fetchImpl: server.fetchImpl });
    queue.track("a");
    await queue.flush({ keepalive: true });
    expect(server.requests[0]!.init.keepalive).toBe(true);
  });

  it("holds events while disabled and sends them once enabled", async () => {
    const server = fakeServer();
    const queue = makeQueue({ fetchImpl: server.fetchImpl });
    queue.setEnabled(false);
    queue.track("login_page_view");
    await vi.advanceTimersByTimeAsync(10_000);
    expect(server.requests).toHaveLength(0);
    queue.setEnabled(true);
    await vi.advanceTimersByTimeAsync(0);
    expect(server.requests).toHaveLength(1);
  });
});

describe("helpers", () => {
  it("classifies retryable statuses", () => {
    expect([500, 502, 503, 429].every(isRetryable)).toBe(true);
    expect([400, 401, 404, 408, 413, 415].some(isRetryable)).toBe(false);
  });

  it("makes v4 uuids", () => {
    const ids = new Set(Array.from({ length: 50 }, randomUuid));
    expect(ids.size).toBe(50);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});
