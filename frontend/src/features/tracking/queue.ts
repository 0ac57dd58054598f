// The dashboard's own event queue: every interaction becomes an event, sent in batches.
//
// Events get their uuid and timestamp when they happen, wait in sessionStorage (so a reload
// loses nothing), and go to /api/v1/events every 2 s or as soon as 20 are waiting. Failed
// sends are retried with exponential backoff and jitter; the server drops replayed uuids.

export interface QueuedEvent {
  uuid: string;
  name: string;
  timestamp: string;
  session_id: string;
  page_url: string;
  properties?: Record<string, unknown>;
}

export interface QueueOptions {
  endpoint: string;
  /** Headers for each send (the CSRF token can change while the page is open). */
  headers: () => Record<string, string>;
  fetchImpl?: typeof fetch;
  storage?: Storage | null;
  storageKey?: string;
  flushIntervalMs?: number;
  maxBatchSize?: number;
  baseBackoffMs?: number;
  maxBackoffMs?: number;
  random?: () => number;
  now?: () => Date;
  location?: () => string;
  sessionId?: string;
}

const RETRYABLE_STATUSES = new Set([429]);
// Browsers refuse keepalive requests whose bodies add up to more than 64 KiB.
const KEEPALIVE_BODY_LIMIT = 60_000;
const MAX_EVENTS_PER_REQUEST = 500;

/** A random RFC 4122 v4 uuid, also where crypto.randomUUID is missing (plain http). */
export function randomUuid(): string {
  if (typeof crypto !== "undefined" && typeof crypto.randomUUID === "function") return crypto.randomUUID();
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  bytes[6] = (bytes[6]! & 0x0f) | 0x40;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export function isRetryable(status: number): boolean {
  return status >= 500 || RETRYABLE_STATUSES.has(status);
}

export class EventQueue {
  private pending: QueuedEvent[] = [];
  private timer: ReturnType<typeof setTimeout> | null = null;
  private sending = false;
  private failures = 0;
  private enabled = true;
  private readonly options: Required<Omit<QueueOptions, "storage" | "sessionId">> & {
    storage: Storage | null;
  };
  readonly sessionId: string;

  constructor(options: QueueOptions) {
    this.options = {
      fetchImpl: (...args) => fetch(...args),
      storageKey: "ouroboard.queue",
      flushIntervalMs: 2000,
      maxBatchSize: 20,
      baseBackoffMs: 1000,
      maxBackoffMs: 30_000,
      random: Math.random,
      now: () => new Date(),
      location: () => (typeof location === "undefined" ? "" : `${location.pathname}${location.search}`),
      ...options,
      storage: options.storage ?? null,
    };
    this.sessionId = options.sessionId ?? randomUuid();
    this.pending = this.restore();
    if (this.pending.length > 0) this.schedule(this.options.flushIntervalMs);
  }

  /** Events waiting to be acknowledged by the server. */
  get size(): number {
    return this.pending.length;
  }

  /** Record an event now; it is sent with the next batch. */
  track(name: string, properties?: Record<string, unknown>): QueuedEvent {
    const event: QueuedEvent = {
      uuid: randomUuid(),
      name,
      timestamp: this.options.now().toISOString(),
      session_id: this.sessionId,
      page_url: this.options.location(),
      ...(properties ? { properties } : {}),
    };
    this.pending.push(event);
    this.persist();
    if (this.pending.length >= this.options.maxBatchSize) void this.flush();
    else this.schedule(this.options.flushIntervalMs);
    return event;
  }

  /** Pause sending (no session yet) or resume it; queued events wait meanwhile. */
  setEnabled(enabled: boolean): void {
    this.enabled = enabled;
    if (enabled && this.pending.length > 0) this.schedule(0);
  }

  /** Send what is waiting. With keepalive the request outlives the page (pagehide). */
  async flush(options: { keepalive?: boolean } = {}): Promise<void> {
    const keepalive = options.keepalive ?? false;
    if (!this.enabled || this.pending.length === 0) return;
    if (this.sending && !keepalive) return;
    this.clearTimer();
    const batch = this.nextBatch(keepalive);
    this.sending = true;
    let retryAfterMs: number | null = null;
    try {
      const response = await this.options.fetchImpl(this.options.endpoint, {
        method: "POST",
        credentials: "same-origin",
        keepalive,
        headers: { ...this.options.headers(), "Content-Type": "application/json" },
        body: JSON.stringify({ events: batch, sent_at: this.options.now().toISOString() }),
      });
      if (response.ok || !isRetryable(response.status)) {
        // Acknowledged, or refused for good (any 4xx but 429): retrying cannot help.
        if (!response.ok) console.warn(`ouroboard: ${batch.length} events refused with ${response.status}`);
        this.acknowledge(batch);
        this.failures = 0;
      } else {
        retryAfterMs = this.retryDelay(response.headers.get("Retry-After"));
      }
    } catch {
      retryAfterMs = this.retryDelay(null);
    } finally {
      this.sending = false;
    }
    if (retryAfterMs !== null) this.schedule(retryAfterMs);
    else if (this.pending.length > 0) this.schedule(0);
  }

  private nextBatch(keepalive: boolean): QueuedEvent[] {
    const batch = this.pending.slice(0, MAX_EVENTS_PER_REQUEST);
    if (!keepalive) return batch;
    const fitting: QueuedEvent[] = [];
    let bytes = 64;
    for (const event of batch) {
      bytes += JSON.stringify(event).length + 1;
      if (bytes > KEEPALIVE_BODY_LIMIT) break;
      fitting.push(event);
    }
    return fitting;
  }

  private acknowledge(batch: QueuedEvent[]): void {
    const sent = new Set(batch.map((event) => event.uuid));
    this.pending = this.pending.filter((event) => !sent.has(event.uuid));
    this.persist();
  }

  /** Exponential backoff with full jitter, or the server's Retry-After when it is longer. */
  private retryDelay(retryAfterHeader: string | null): number {
    const { baseBackoffMs, maxBackoffMs, random } = this.options;
    const ceiling = Math.min(maxBackoffMs, baseBackoffMs * 2 ** this.failures);
    this.failures += 1;
    const jittered = ceiling / 2 + random() * (ceiling / 2);
    const serverSeconds = retryAfterHeader ? Number.parseFloat(retryAfterHeader) : Number.NaN;
    const serverMs = Number.isFinite(serverSeconds) ? serverSeconds * 1000 : 0;
    return Math.min(maxBackoffMs, Math.max(jittered, serverMs));
  }

  private schedule(delayMs: number): void {
    if (this.timer !== null) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.flush();
    }, delayMs);
  }

  private clearTimer(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  private persist(): void {
    try {
      this.options.storage?.setItem(this.options.storageKey, JSON.stringify(this.pending));
    } catch {
      // Storage full or disabled: the queue still works in memory.
    }
  }

  private restore(): QueuedEvent[] {
    try {
      const saved = this.options.storage?.getItem(this.options.storageKey);
      const parsed: unknown = saved ? JSON.parse(saved) : [];
      return Array.isArray(parsed) ? (parsed as QueuedEvent[]) : [];
    } catch {
      return [];
    }
  }
}
