"""A queue writer: reads the ingestion stream in the writers' consumer group and stores it.

Each round reads entries (the requests of many clients), READ_ENTRIES at a time, until
they hold MAX_ROWS_PER_COMMIT rows or none are left, stores them in transactions of up to
that many rows, and acknowledges an entry (XACK, then XDEL to free Redis memory) only
after the transaction holding it has committed. So:
- a writer killed at any point leaves its entries pending; another writer claims them
  (XAUTOCLAIM) once idle for INGEST_QUEUE_CLAIM_IDLE_MS and stores them, and rows already
  committed are skipped by their uuid, so nothing is counted twice;
- while the database is unreachable the writer keeps its entries and retries with a
  growing pause, renewing its claim so no other writer takes them meanwhile;
- rows of a project deleted while they waited are dropped;
- an entry that fails on its own for any other reason (one not written by us, data the
  database refuses) goes to the dead-letter stream with the reason, so one bad entry
  cannot stall the queue.
"""

import logging
import threading
import time
from dataclasses import dataclass, field

import redis
from flask import Flask
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError, SQLAlchemyError

from app.database import ingest_write_turn, schema_is_current
from app.extensions import db
from app.projects import data as projects_data
from app.projects.purge import DELETED_SLUG_PREFIX
from app.redis_client import REDIS_ERRORS
from app.signals import events_stored
from app.track import queue_data as queue
from app.track import store
from app.track.errors import StoreUnavailable

log = logging.getLogger(__name__)

READ_ENTRIES = 20
MAX_ROWS_PER_COMMIT = 5000
BLOCK_MS = 1000
# How often a writer looks for entries that a dead writer left pending.
CLAIM_EVERY_SECONDS = 2.0
RETRY_PAUSE_SECONDS = (0.1, 0.2, 0.5, 1.0, 2.0)
REPORT_EVERY_SECONDS = 10.0
SCHEMA_WAIT_SECONDS = 2.0
# Claims of one entry after which it is presumed to be what kills its writers.
MAX_DELIVERIES = 10


@dataclass
class Entry:
    """One request's rows as read from the stream."""

    entry_id: bytes
    rows: list[dict] | None = None
    error: str | None = None   # why it cannot be decoded, if so


@dataclass
class Tally:
    """What a writer has done since its last report."""

    entries: int = 0
    stored: int = 0
    duplicates: int = 0
    dropped: int = 0   # of deleted projects
    dead: int = 0
    since: float = field(default_factory=time.monotonic)


def is_transient(exc: BaseException) -> bool:
    """A failure that a later attempt may not meet: the database or Redis away or busy."""
    if isinstance(exc, OperationalError | InterfaceError | StoreUnavailable):
        return True
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    return isinstance(exc, REDIS_ERRORS)


class QueueWriter:
    """One consumer of the writers' group, bound to an app (its database and Redis)."""

    def __init__(self, app: Flask, consumer: str, *, claim_idle_ms: int | None = None,
                 block_ms: int = BLOCK_MS):
        self.app = app
        self.consumer = consumer
        self.stream = queue.stream_name(app)
        self.dead_stream = queue.dead_letter_stream(app)
        self.claim_idle_ms = (app.config["INGEST_QUEUE_CLAIM_IDLE_MS"]
                              if claim_idle_ms is None else claim_idle_ms)
        self.block_ms = block_ms
        # Its own connection: a blocking read must outlast the app client's short timeout.
        self.redis = redis.Redis.from_url(app.config["REDIS_URL"],
                                          socket_timeout=block_ms / 1000 + 5,
                                          socket_connect_timeout=5)
        self.own_history_done = False  # entries this consumer name held before a restart
        self.last_claim = 0.0
        self.tally = Tally()
        self.stop = threading.Event()

    # -- reading -------------------------------------------------------------------------

    def read(self, block: bool) -> list[Entry]:
        """The next entries for this writer: its own unacknowledged ones first (after a
        restart under the same name), then a dead writer's, then new ones.
        """
        queue.ensure_group(self.redis, self.stream)
        if not self.own_history_done:
            entries = self.read_group("0", block_ms=None)
            if entries:
                return entries
            self.own_history_done = True
        if time.monotonic() - self.last_claim >= CLAIM_EVERY_SECONDS:
            self.last_claim = time.monotonic()
            claimed = queue.claim_stale(self.redis, self.stream, self.consumer,
                                        self.claim_idle_ms, READ_ENTRIES)
            if claimed:
                log.warning("claimed %d entries left unacknowledged by another writer",
                            len(claimed))
                return self.marking_delivered_too_often(
                    [self.decoded(entry_id, fields) for entry_id, fields in claimed])
        entries = self.read_group(">", block_ms=self.block_ms if block else None)
        # More, a few entries at a time, until a transaction's worth: whatever this writer
        # takes beyond what it can commit next would only wait, where another writer could
        # be storing it, and be lost work if this one is killed.
        rows = sum(len(entry.rows or ()) for entry in entries)
        while len(entries) % READ_ENTRIES == 0 and entries and rows < MAX_ROWS_PER_COMMIT:
            more = self.read_group(">", block_ms=None)
            if not more:
                break
            entries += more
            rows += sum(len(entry.rows or ()) for entry in more)
        return entries

    def marking_delivered_too_often(self, entries: list[Entry]) -> list[Entry]:
        """Claimed entries, those that writers took more than MAX_DELIVERIES times
        without acknowledging marked to be buried: such an entry is likely what kills its
        writers, so it is not handed to one more.
        """
        counts = queue.deliveries(self.redis, self.stream, self.consumer, 2 * READ_ENTRIES)
        for entry in entries:
            delivered = counts.get(entry.entry_id, 0)
            if delivered > MAX_DELIVERIES and entry.error is None:
                entry.error = (f"delivered {delivered} times without being stored; its "
                               "writers died or hung on it")
        return entries

    def read_group(self, start: str, block_ms: int | None) -> list[Entry]:
        """Entries read in the group from `start`, decoded."""
        return [self.decoded(entry_id, fields) for entry_id, fields in queue.read_group(
            self.redis, self.stream, self.consumer, start, READ_ENTRIES, block_ms)]

    @staticmethod
    def decoded(entry_id: bytes, fields: dict | None) -> Entry:
        """An entry as read; one that cannot be decoded carries the reason instead."""
        if not fields:  # deleted after delivery: acknowledged with nothing to store
            return Entry(entry_id, rows=[])
        try:
            return Entry(entry_id, rows=queue.decode_rows(fields))
        except (ValueError, TypeError, KeyError) as exc:
            return Entry(entry_id, error=f"undecodable entry: {exc}")

    # -- storing -------------------------------------------------------------------------

    def step(self, block: bool = True) -> int:
        """Read, store and acknowledge one round of entries; how many were handled."""
        entries = self.read(block)
        if not entries:
            return 0
        undecodable = [entry for entry in entries if entry.error is not None]
        for entry in undecodable:
            self.bury(entry, entry.error)
        good = [entry for entry in entries if entry.error is None]
        for chunk in chunks_of(good):
            self.store_chunk(chunk)
        self.tally.entries += len(entries)
        self.report()
        return len(entries)

    def store_chunk(self, chunk: list[Entry]) -> None:
        """Store a chunk in one transaction, retrying while the failure is transient;
        when it fails otherwise, store its entries one by one to find the bad one.
        """
        attempt = 0
        # The chunk's idle time restarts now: entries read with earlier chunks of the round
        # have waited through those commits, and must not look abandoned meanwhile.
        self.renew_claim(chunk)
        while True:
            try:
                self.commit([row for entry in chunk for row in entry.rows], chunk)
                return
            except Exception as exc:  # noqa: BLE001 - sorted into retry, split or bury
                self.rollback()
                if not is_transient(exc):
                    break
                if self.stop.is_set():
                    return  # left pending: another writer or our restart stores them
                pause = RETRY_PAUSE_SECONDS[min(attempt, len(RETRY_PAUSE_SECONDS) - 1)]
                if attempt == 0 or attempt % 20 == 0:
                    log.warning("storing %d queued entries failed (%s); retrying",
                                len(chunk), type(exc).__name__)
                attempt += 1
                time.sleep(pause)
                self.renew_claim(chunk)
        if len(chunk) > 1:
            for entry in chunk:
                self.store_chunk([entry])
            return
        self.store_alone_or_bury(chunk[0])

    def store_alone_or_bury(self, entry: Entry) -> None:
        """A lone entry that failed: retried while the failure is transient, else buried."""
        try:
            self.commit(entry.rows, [entry])
        except Exception as exc:  # noqa: BLE001 - the entry itself is at fault
            self.rollback()
            if is_transient(exc):
                self.store_chunk([entry])
                return
            self.bury(entry, f"{type(exc).__name__}: {exc}"[:500])

    def commit(self, rows: list[dict], chunk: list[Entry]) -> None:
        """One transaction for the rows; announce and acknowledge once it is durable."""
        with self.app.app_context():
            stored = []
            sent = len(rows)
            rows = self.of_open_projects(rows)
            if rows:
                with ingest_write_turn():
                    inserted = store.insert_prepared([store.prepare_rows(rows)])
                    db.session.commit()
                for row in rows:
                    # The first copy of a uuid is the stored one (as in the group writer).
                    event_id = inserted.pop(row["uuid"], None)
                    if event_id is not None:
                        stored.append({**row, "id": event_id})
            self.tally.dropped += sent - len(rows)
            self.tally.stored += len(stored)
            self.tally.duplicates += len(rows) - len(stored)
            if stored:
                try:
                    events_stored.send(self.app, events=stored)
                except Exception:  # committed: a failed announcement must not redo it
                    log.exception("announcing stored events failed")
        self.acknowledge([entry.entry_id for entry in chunk])

    def of_open_projects(self, rows: list[dict]) -> list[dict]:
        """The rows whose project still exists: a project deleted while its events waited
        in the queue must not get rows its purge has already passed over.
        """
        open_ids = projects_data.open_project_ids({row["project_id"] for row in rows},
                                                  DELETED_SLUG_PREFIX)
        return [row for row in rows if row["project_id"] in open_ids]

    def acknowledge(self, entry_ids: list[bytes]) -> None:
        """XACK and XDEL together. If Redis is away the entries stay pending and are
        delivered again later, where their uuids make the store a no-op.
        """
        if not entry_ids:
            return
        try:
            queue.acknowledge(self.redis, self.stream, entry_ids)
        except REDIS_ERRORS as exc:
            log.warning("acknowledging %d stored entries failed (%s); they will be "
                        "delivered again and skipped as stored", len(entry_ids), exc)

    def renew_claim(self, chunk: list[Entry]) -> None:
        """Reset the idle time of entries this writer is still retrying."""
        try:
            queue.renew_claim(self.redis, self.stream, self.consumer,
                              [entry.entry_id for entry in chunk])
        except REDIS_ERRORS:
            pass

    def bury(self, entry: Entry, reason: str) -> None:
        """Park an entry that can never be stored in the dead-letter stream, then ack it."""
        log.error("queued entry %s cannot be stored: %s", entry.entry_id.decode(), reason)
        queue.bury(self.redis, self.stream, self.dead_stream, entry.entry_id, reason)
        self.tally.dead += 1
        self.acknowledge([entry.entry_id])

    def rollback(self) -> None:
        """End a failed transaction; a connection that broke is simply dropped."""
        with self.app.app_context():
            try:
                db.session.rollback()
            except Exception:  # noqa: BLE001 - the connection may be gone; it is replaced
                db.session.remove()

    # -- running -------------------------------------------------------------------------

    def run(self) -> None:
        """Write until stop is set; a Redis outage is waited out, not fatal."""
        self.wait_for_schema()
        log.info("ingest writer %s reading %s", self.consumer, self.stream)
        pause = 0
        while not self.stop.is_set():
            try:
                self.step(block=True)
                pause = 0
            except REDIS_ERRORS as exc:
                wait = RETRY_PAUSE_SECONDS[min(pause, len(RETRY_PAUSE_SECONDS) - 1)]
                if pause == 0:
                    log.warning("the ingestion queue is unreachable (%s); retrying", exc)
                pause += 1
                self.stop.wait(wait)
        self.report(force=True)
        log.info("ingest writer %s stopped", self.consumer)

    def wait_for_schema(self) -> None:
        """Wait until the database is reachable and migrated to this code's schema."""
        warned = False
        while not self.stop.is_set():
            try:
                with self.app.app_context():
                    if schema_is_current():
                        return
                reason = "its migrations are not all applied"
            except SQLAlchemyError as exc:
                reason = f"it is unreachable ({type(exc).__name__})"
            if not warned:
                log.warning("ingest writer waits for the database: %s", reason)
                warned = True
            self.stop.wait(SCHEMA_WAIT_SECONDS)

    def drain(self) -> int:
        """Handle entries until none are left to read now (tests and one-off catch-up)."""
        handled = 0
        while count := self.step(block=False):
            handled += count
        return handled

    def report(self, force: bool = False) -> None:
        """Log what was done, every REPORT_EVERY_SECONDS (or now, on stopping)."""
        elapsed = time.monotonic() - self.tally.since
        if not force and elapsed < REPORT_EVERY_SECONDS:
            return
        if self.tally.entries:
            log.info("ingest writer %s: %d entries, %d events stored, %d duplicates, "
                     "%d of deleted projects dropped, %d dead-lettered in %.1f s", self.consumer,
                     self.tally.entries, self.tally.stored, self.tally.duplicates,
                     self.tally.dropped, self.tally.dead, elapsed)
        self.tally = Tally()


def chunks_of(entries: list[Entry]) -> list[list[Entry]]:
    """Entries grouped in arrival order into chunks of at most MAX_ROWS_PER_COMMIT rows
    (an entry is never split, so one entry is acknowledged by one commit).
    """
    chunks: list[list[Entry]] = []
    current: list[Entry] = []
    rows = 0
    for entry in entries:
        if current and rows + len(entry.rows) > MAX_ROWS_PER_COMMIT:
            chunks.append(current)
            current, rows = [], 0
        current.append(entry)
        rows += len(entry.rows)
    if current:
        chunks.append(current)
    return chunks
