"""The ingest command: validate a batch, store it, report what happened.

The path of a batch, each module once: routes -> sender (who) -> validation (what) ->
this command -> writer (group commit, when on) -> store (insert, dedup, rollups). Under
INGEST_QUEUE=redis the command stops at the queue (app/track/queue_data.py), and a separate
writer process runs the store. The
command owns the transaction: the group writer's, or its own. Failures are domain errors
(app.track.errors); app.errors is the one place that turns them into HTTP answers.
"""

from dataclasses import dataclass, field

from flask import current_app

from app.database import ingest_write_turn, is_in_memory_database
from app.extensions import db
from app.metrics import record_events
from app.models import utcnow
from app.signals import events_stored
from app.track import queue_data as queue
from app.track import store
from app.track.errors import InvalidEvent, StoreUnavailable
from app.track.sender import Sender
from app.track.validation import EventBatch, build_rows
from app.track.writer import WriteTimeoutError, writer_for
from app.web.client import ClientInfo
from app.web.enrich import enrich_rows

# How much longer than the database's own lock timeout a request waits for the writer
# (and, if a leader has taken its rows by then, as long again for that leader to commit).
WRITER_GRACE_SECONDS = 10


@dataclass
class IngestResult:
    """What happened to a batch."""

    accepted: int = 0
    duplicates: int = 0
    rejected: list[dict] = field(default_factory=list)
    stored: list[dict] = field(default_factory=list)
    # Under INGEST_QUEUE: the rows handed to the queue, stored later by a writer.
    queued: list[dict] | None = None


def ingest(batch: EventBatch, sender: Sender, client: ClientInfo | None = None
           ) -> IngestResult:
    """Validate, store in one transaction, commit, then announce what was stored.

    A lone event that fails validation raises InvalidEvent; in a batch, invalid events are
    listed in the result and the rest are stored.
    """
    received_at = utcnow()
    rows, rejected = build_rows(batch, sender, received_at)
    enrich_rows(rows, client or ClientInfo(ip=None, user_agent=None))
    if batch.single and rejected:
        record_events(accepted=0, duplicates=0, rejected=1)
        raise InvalidEvent("Invalid event", details=rejected[0].get("details")
                           or {"_event": [rejected[0]["error"]]})
    if queue.queue_enabled():
        if rows:
            queue.enqueue(rows)
        # Accepted into the queue: a writer drops a uuid stored before without counting it.
        record_events(accepted=len(rows), duplicates=0, rejected=len(rejected))
        return IngestResult(accepted=len(rows), rejected=public_rejections(rejected),
                            queued=rows)
    stored = commit_rows(rows)
    record_events(accepted=len(stored), duplicates=len(rows) - len(stored),
                  rejected=len(rejected))
    return IngestResult(
        accepted=len(stored),
        duplicates=len(rows) - len(stored),
        rejected=public_rejections(rejected),
        stored=stored,
    )


def public_rejections(rejected: list[dict]) -> list[dict]:
    """What a response says of each rejected event."""
    return [{"index": item["index"], "error": item["error"]} for item in rejected]


def commit_rows(rows: list[dict]) -> list[dict]:
    """Store rows and commit; the rows inserted, with ids, once they are durable.

    Through the process's group writer (one transaction for requests that arrive together)
    unless INGEST_GROUP_COMMIT is off or the database lives in this process's memory.
    Raises StoreUnavailable when the writer did not get to the rows in time; such rows
    are withdrawn and never stored later, so the client's retry is not counted twice.
    """
    if not rows:
        return []
    app = current_app._get_current_object()
    if app.config["INGEST_GROUP_COMMIT"] and not is_in_memory_database(app):
        writer = writer_for(store.prepare_rows, store.insert_prepared,
                            lambda stored: events_stored.send(app, events=stored))
        timeout = app.config["DATABASE_LOCK_TIMEOUT_MS"] / 1000 + WRITER_GRACE_SECONDS
        try:
            return writer.store(rows, timeout)
        except WriteTimeoutError:
            raise StoreUnavailable("Database busy, retry shortly") from None
    with ingest_write_turn():
        try:
            stored = store.insert_events(rows)
            db.session.commit()
        except Exception:
            db.session.rollback()
            raise
    if stored:
        events_stored.send(app, events=stored)
    return stored
