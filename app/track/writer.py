"""Group commit: ingest requests that arrive together in one process share a transaction.

A request hands its validated rows to the process's writer thread and waits. The writer
takes everything waiting, stores it with one insert and one commit, announces it, and only
then wakes each request with its own result, so nothing is acknowledged before it is
durable. A commit costs about the same for one row as for a thousand: under load many small
commits become a few large ones, and with one request at a time it is one commit per
request, as before.
"""

import logging
import queue
import threading
from dataclasses import dataclass, field

from flask import Flask, current_app

from app.database import ingest_write_turn
from app.extensions import db

log = logging.getLogger(__name__)

EXTENSION_KEY = "ouroboard.group_writer"
# Rows in one transaction at most; a batch request is never split.
MAX_GROUP_ROWS = 2000
# An idle writer thread ends; the next request starts another.
IDLE_SECONDS = 5.0


class WriteTimeoutError(Exception):
    """The writer did not answer in time (the database is stuck behind a lock)."""


@dataclass
class PendingWrite:
    rows: list[dict]
    done: threading.Event = field(default_factory=threading.Event)
    stored: list[dict] | None = None
    error: BaseException | None = None


class GroupWriter:
    """The process's ingest writer thread and the queue in front of it."""

    def __init__(self, app: Flask, store_rows, announce):
        self.app = app
        self.store_rows = store_rows    # rows -> {uuid: id} of those inserted; no commit
        self.announce = announce        # stored rows -> None, after the commit
        self.waiting: queue.SimpleQueue[PendingWrite] = queue.SimpleQueue()
        self.lock = threading.Lock()
        self.thread: threading.Thread | None = None

    def store(self, rows: list[dict], timeout: float) -> list[dict]:
        """Store rows through the writer; return those inserted (with ids) once committed."""
        pending = PendingWrite(rows)
        self.waiting.put(pending)
        self.ensure_thread()
        if not pending.done.wait(timeout):
            raise WriteTimeoutError
        if pending.error is not None:
            raise pending.error
        return pending.stored or []

    def ensure_thread(self) -> None:
        with self.lock:
            if self.thread is None or not self.thread.is_alive():
                # Started lazily, so each gunicorn worker runs its own after the fork.
                self.thread = threading.Thread(target=self.run, name="ouroboard-writer",
                                               daemon=True)
                self.thread.start()

    def run(self) -> None:
        with self.app.app_context():
            while True:
                try:
                    first = self.waiting.get(timeout=IDLE_SECONDS)
                except queue.Empty:
                    with self.lock:
                        if self.waiting.empty():
                            self.thread = None
                            return
                    continue
                group, row_count = [first], len(first.rows)
                while row_count < MAX_GROUP_ROWS:
                    try:
                        pending = self.waiting.get_nowait()
                    except queue.Empty:
                        break
                    group.append(pending)
                    row_count += len(pending.rows)
                try:
                    self.write(group)
                finally:
                    # Back to the pool, which checks it is alive before the next group.
                    db.session.remove()

    def write(self, group: list[PendingWrite]) -> None:
        """One transaction for the group; if it fails, each request on its own, so one
        request's bad data cannot fail the others."""
        try:
            with ingest_write_turn():
                inserted = self.store_rows([row for pending in group for row in pending.rows])
                db.session.commit()
        except Exception as exc:  # noqa: BLE001 - handed to the waiting request
            db.session.rollback()
            if len(group) > 1:
                for pending in group:
                    self.write([pending])
                return
            group[0].error = exc
            group[0].done.set()
            return
        everything = []
        for pending in group:
            # Walk in arrival order: a uuid sent twice is stored for its first sender only.
            pending.stored = [{**row, "id": inserted.pop(row["uuid"])}
                              for row in pending.rows if row["uuid"] in inserted]
            everything.extend(pending.stored)
        if everything:
            try:
                self.announce(everything)
            except Exception:  # the events are committed; a failed announcement must not
                log.exception("announcing stored events failed")  # turn them into errors
        for pending in group:
            pending.done.set()


def writer_for(store_rows, announce) -> GroupWriter:
    """This app's writer, created on first use."""
    app = current_app._get_current_object()
    writer = app.extensions.get(EXTENSION_KEY)
    if writer is None:
        with _creation_lock:
            writer = app.extensions.get(EXTENSION_KEY)
            if writer is None:
                writer = GroupWriter(app, store_rows, announce)
                app.extensions[EXTENSION_KEY] = writer
    return writer


_creation_lock = threading.Lock()
