"""The ingestion queue (INGEST_QUEUE=redis): the track domain's Redis data module, holding
every stream command of the requests and the writers.

Requests append each validated, enriched batch to one Redis stream as a single entry and
answer once Redis has acknowledged the XADD; `flask ingest-worker` processes
(app/track/queue_writer.py) read entries in a consumer group, store them through the same
store as the synchronous path, commit, and only then XACK and XDEL them. Every row carries
its uuid from the request, so an entry delivered twice (a writer killed after its commit,
before its XACK) is stored once: the insert skips uuids already stored and the rollups
count only what it inserted.

How much an acknowledged request can lose is Redis's persistence setting: with AOF and
`appendfsync always` nothing; with `everysec` up to about a second of requests if the Redis
host loses power; without persistence, whatever the stream held when Redis stopped.
"""

import json
import threading
import time
from datetime import datetime

import redis
from flask import Flask, current_app

from app.extensions import per_app
from app.redis_client import REDIS_ERRORS, redis_client
from app.track.errors import StoreUnavailable

GROUP = "ouroboard-writers"
# The entry layout; a writer refuses (dead-letters) an entry of a layout it does not know.
ENTRY_VERSION = b"1"
# Row fields that travel as ISO 8601 text and are datetimes again on the writer's side.
DATETIME_FIELDS = ("occurred_at", "received_at")
# After the stream is seen past INGEST_QUEUE_MAX_ENTRIES, requests are refused this long
# before the length is read again (it is read with every XADD, at no extra round trip).
FULL_BACKOFF_SECONDS = 1.0


class QueueNotConfiguredError(RuntimeError):
    """INGEST_QUEUE is set to something this build cannot run."""


def queue_enabled(app: Flask | None = None) -> bool:
    """Whether ingestion goes through the Redis stream."""
    app = app or current_app
    return app.config.get("INGEST_QUEUE") == "redis"


def check_config(app: Flask) -> None:
    """Refuse to start with a queue setting that would lose or strand events."""
    chosen = app.config.get("INGEST_QUEUE")
    if chosen is None:
        return
    if chosen != "redis":
        raise QueueNotConfiguredError(
            f"INGEST_QUEUE must be 'redis' or unset, not {chosen!r}")
    if not app.config.get("REDIS_URL"):
        raise QueueNotConfiguredError("INGEST_QUEUE=redis needs REDIS_URL")


def stream_name(app: Flask | None = None) -> str:
    """The stream this app's requests append to and its writers read."""
    return (app or current_app).config["INGEST_QUEUE_STREAM"]


def dead_letter_stream(app: Flask | None = None) -> str:
    """Where a writer parks an entry it can never store, with the reason."""
    return stream_name(app) + ":dead"


def json_value(value):
    """Datetimes as ISO 8601 text in an entry."""
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"cannot queue {type(value).__name__}")


def encode_rows(rows: list[dict]) -> dict[str, bytes | str]:
    """One stream entry holding a request's rows: the values every row shares once, then
    the others as lists. A request's rows share their project, sender, receipt time and
    device, so this is a fifth of the size of a list of dicts, and a quarter of the time
    to encode.
    """
    first = rows[0]
    shared = {name: value for name, value in first.items()
              if all(row[name] == value for row in rows)}
    varying = [name for name in first if name not in shared]
    return {"v": ENTRY_VERSION,
            "shared": compact_json(shared),
            "columns": ",".join(varying),
            "rows": compact_json([[row[name] for name in varying] for row in rows])}


def compact_json(value) -> str:
    """JSON text without spaces, datetimes as ISO 8601."""
    return json.dumps(value, default=json_value, ensure_ascii=False, separators=(",", ":"))


def decode_rows(fields: dict[bytes, bytes]) -> list[dict]:
    """The rows of an entry, as the store takes them; ValueError if it is not one of ours."""
    if fields.get(b"v") != ENTRY_VERSION or not {b"shared", b"columns", b"rows"} <= fields.keys():
        raise ValueError("not an ingest entry of layout 1")
    shared = json.loads(fields[b"shared"])
    columns = fields[b"columns"].decode().split(",") if fields[b"columns"] else []
    values = json.loads(fields[b"rows"])
    if not isinstance(shared, dict) or not isinstance(values, list) or not all(
            isinstance(row, list) and len(row) == len(columns) for row in values):
        raise ValueError("an ingest entry holds shared values and rows of its columns")
    for name in DATETIME_FIELDS:
        if name in shared:
            shared[name] = datetime.fromisoformat(shared[name])
    rows = [{**shared, **dict(zip(columns, row, strict=True))} for row in values]
    for name in DATETIME_FIELDS:
        if name in columns:
            for row in rows:
                row[name] = datetime.fromisoformat(row[name])
    return rows


class Admission:
    """Per process: whether the stream was recently seen too long to take more."""

    def __init__(self):
        self.refuse_until = 0.0
        self.lock = threading.Lock()

    def is_full(self) -> bool:
        """Whether to refuse without asking Redis."""
        return time.monotonic() < self.refuse_until

    def saw_length(self, length: int, limit: int) -> None:
        """Remember a length read with an XADD: past the limit, refuse for a while."""
        if length > limit:
            with self.lock:
                self.refuse_until = time.monotonic() + FULL_BACKOFF_SECONDS


ADMISSION_KEY = "ouroboard.ingest_queue_admission"


def admission_of(app: Flask) -> Admission:
    """This app's admission (per app: each test app has its own stream)."""
    return per_app(app, ADMISSION_KEY, Admission)


def enqueue(rows: list[dict]) -> None:
    """Append the rows to the stream; return once Redis has acknowledged them.

    Raises StoreUnavailable (503 with Retry-After) when Redis cannot be reached or the
    stream is full, so the client retries and nothing is acknowledged that Redis lacks.
    """
    app = current_app._get_current_object()
    admission = admission_of(app)
    if admission.is_full():
        raise StoreUnavailable("The ingestion queue is full; retry shortly")
    client = redis_client()
    try:
        with client.pipeline(transaction=False) as pipe:
            pipe.xadd(stream_name(app), encode_rows(rows))
            pipe.xlen(stream_name(app))
            _, length = pipe.execute()
    except REDIS_ERRORS:
        raise StoreUnavailable("The ingestion queue is unavailable; retry shortly") from None
    admission.saw_length(length, app.config["INGEST_QUEUE_MAX_ENTRIES"])


def ensure_group(client: redis.Redis, stream: str) -> None:
    """Create the writers' group, reading from the stream's start (entries that requests
    added before any writer ever ran are stored too), unless it exists.
    """
    try:
        client.xgroup_create(stream, GROUP, id="0", mkstream=True)
    except redis.ResponseError as exc:
        if "BUSYGROUP" not in str(exc):
            raise


def queue_depth(client: redis.Redis, stream: str) -> dict:
    """Entries waiting in the stream and entries delivered to writers but not acknowledged."""
    with client.pipeline(transaction=False) as pipe:
        pipe.xlen(stream)
        pipe.exists(stream)
        length, exists = pipe.execute()
    pending = 0
    if exists:
        try:
            pending = client.xpending(stream, GROUP)["pending"]
        except redis.ResponseError:  # no group yet: no writer has run
            pending = 0
    return {"entries": length, "pending": pending}


def read_group(client: redis.Redis, stream: str, consumer: str, start: str, count: int,
               block_ms: int | None) -> list[tuple[bytes, dict | None]]:
    """Entries for this consumer: start ">" for new ones, "0" for those it already holds."""
    found = client.xreadgroup(GROUP, consumer, {stream: start}, count=count, block=block_ms)
    return [item for _stream, items in found or [] for item in items]


def claim_stale(client: redis.Redis, stream: str, consumer: str, min_idle_ms: int,
                count: int) -> list[tuple[bytes, dict]]:
    """Take over entries other consumers have held unacknowledged for min_idle_ms; entries
    whose data was deleted meanwhile are acknowledged, as there is nothing left to store.
    """
    _, claimed, deleted = client.xautoclaim(stream, GROUP, consumer, min_idle_ms, "0-0",
                                            count=count)
    if deleted:
        client.xack(stream, GROUP, *deleted)
    return claimed


def deliveries(client: redis.Redis, stream: str, consumer: str, limit: int
               ) -> dict[bytes, int]:
    """How many times each entry this consumer holds has been delivered."""
    held = client.xpending_range(stream, GROUP, min="-", max="+", count=limit,
                                 consumername=consumer)
    return {item["message_id"]: item["times_delivered"] for item in held}


def renew_claim(client: redis.Redis, stream: str, consumer: str, entry_ids: list[bytes]
                ) -> None:
    """Reset the idle time of entries this consumer is still working on."""
    client.xclaim(stream, GROUP, consumer, 0, entry_ids, justid=True)


def acknowledge(client: redis.Redis, stream: str, entry_ids: list[bytes]) -> None:
    """XACK and XDEL in one transaction: stored entries leave the group and free memory."""
    with client.pipeline(transaction=True) as pipe:
        pipe.xack(stream, GROUP, *entry_ids)
        pipe.xdel(stream, *entry_ids)
        pipe.execute()


def bury(client: redis.Redis, stream: str, dead_stream: str, entry_id: bytes, reason: str
         ) -> None:
    """Copy an entry to the dead-letter stream with why it cannot be stored."""
    found = client.xrange(stream, entry_id, entry_id)
    original = found[0][1] if found else {}
    client.xadd(dead_stream, {**original, "entry_id": entry_id, "error": reason})
