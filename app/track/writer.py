"""Group commit: ingest requests that arrive together in one process share a transaction.

A request queues its validated rows. If no other request is writing, it becomes the
leader: it takes everything queued (its own rows and those of requests that arrived while
the previous leader wrote), stores it with one insert and one commit in its own session,
announces it, and only then wakes each request with its own result, so nothing is
acknowledged before it is durable. Requests that arrive while a leader writes wait for the
next group, which one of them leads.

A request that runs out of time is answered 503 only for rows that will never be stored,
or a client's retry would count them twice: rows still queued are withdrawn; rows a leader
took are waited for, then withdrawn if the leader has not reached its commit yet (the
leader checks for withdrawals just before committing and writes the group again without
them); once the commit has begun, the request waits for its outcome and answers by it.

A commit costs about the same for one row as for a thousand: under load many small commits
become a few large ones. With one request at a time the request simply writes its own rows,
with no hand-off to another thread (a writer thread cost a click about 1 ms in thread
switches and a fresh session per group).
"""

import logging
import threading
import time
from collections import deque
from dataclasses import dataclass, field

from flask import current_app

from app.database import ingest_write_turn
from app.extensions import db, per_app

log = logging.getLogger(__name__)

EXTENSION_KEY = "ouroboard.group_writer"
# Rows in one transaction at most; a batch request is never split.
MAX_GROUP_ROWS = 2000


class WriteTimeoutError(Exception):
    """The group was not written in time (the database is stuck behind a lock); the rows
    were withdrawn and will never be stored, so the client may safely send them again.
    """


class WithdrawnError(Exception):
    """A request in the group gave up before the commit: the group is written without it."""


@dataclass
class PendingWrite:
    """One request's rows waiting for a group, and what became of them."""

    rows: list[dict]
    prepared: object = None     # what prepare made of the rows
    taken: bool = False         # a leader holds the rows (no longer in the queue)
    committing: bool = False    # past the point of no return: only the outcome remains
    withdrawn: bool = False     # the request gave up before the commit; never store them
    done: bool = False
    stored: list[dict] | None = None
    error: BaseException | None = None


@dataclass
class GroupWriter:
    """The process's ingest queue and the leader role that drains it."""

    prepare: object      # rows -> what store_prepared takes; run before queueing
    store_prepared: object  # [prepared, ...] -> {uuid: id} of the rows inserted; no commit
    announce: object     # stored rows -> None, after the commit
    waiting: deque = field(default_factory=deque)
    changed: threading.Condition = field(default_factory=threading.Condition)
    leading: bool = False

    def store(self, rows: list[dict], timeout: float) -> list[dict]:
        """Store rows (leading a group, or in another request's group); return those
        inserted (with ids) once committed.
        """
        pending = self.pending_for(rows)
        deadline = time.monotonic() + timeout
        with self.changed:
            self.waiting.append(pending)
        # Lead groups until our own write is done: a long queue may need several.
        while True:
            with self.changed:
                while self.leading and not pending.done:
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        self.give_up(pending, timeout)
                        break
                    self.changed.wait(remaining)
                if pending.done:
                    break
                self.leading = True
                group = self.take_group()
            try:
                self.write(group)
            except BaseException as exc:
                # Interrupted mid-write (a worker timeout, say): nobody else will take
                # these writes again, so no request may be left waiting for them.
                for other in group:
                    if not other.done:
                        self.finish(other, error=exc)
                raise
            finally:
                with self.changed:
                    self.leading = False
                    self.changed.notify_all()
        if pending.error is not None:
            raise pending.error
        return pending.stored or []

    def give_up(self, pending: PendingWrite, patience: float) -> None:
        """The request's time is up: withdraw its rows, or learn what became of them.

        Called holding the lock. Rows still queued are withdrawn at once. Rows a leader has
        taken are waited for, `patience` seconds more, then withdrawn unless the leader has
        reached the commit; after that point only the commit's outcome is waited for (a
        commit is bounded by the database's lock timeout). WriteTimeoutError therefore means
        the rows will never be stored, and rows that end up committed are never a 503.
        """
        if not pending.taken:
            self.waiting.remove(pending)
            pending.withdrawn = True
            raise WriteTimeoutError
        deadline = time.monotonic() + patience
        while not (pending.done or pending.committing):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                pending.withdrawn = True
                raise WriteTimeoutError
            self.changed.wait(remaining)
        while not pending.done:
            self.changed.wait()

    def pending_for(self, rows: list[dict]) -> PendingWrite:
        """A queued write, prepared in the caller's thread while others may be writing."""
        return PendingWrite(rows, self.prepare(rows))

    def take_group(self) -> list[PendingWrite]:
        """The queued writes, oldest first, up to MAX_GROUP_ROWS (the first always)."""
        group = [self.waiting.popleft()]
        row_count = len(group[0].rows)
        while self.waiting and row_count + len(self.waiting[0].rows) <= MAX_GROUP_ROWS:
            pending = self.waiting.popleft()
            group.append(pending)
            row_count += len(pending.rows)
        for pending in group:
            pending.taken = True
        return group

    def begin_commit(self, group: list[PendingWrite]) -> None:
        """Pass the point of no return, unless a request of the group has withdrawn: then
        raise WithdrawnError (and the group is written again without it).
        """
        with self.changed:
            if any(pending.withdrawn for pending in group):
                raise WithdrawnError
            for pending in group:
                pending.committing = True

    def write(self, group: list[PendingWrite]) -> None:
        """One transaction for the group; if it fails, each request on its own, so one
        request's bad data cannot fail the others.
        """
        try:
            with ingest_write_turn():
                inserted = self.store_prepared([pending.prepared for pending in group])
                self.begin_commit(group)
                db.session.commit()
        except WithdrawnError:
            db.session.rollback()
            staying = [pending for pending in group if not pending.withdrawn]
            if staying:
                self.write(staying)
            return
        except Exception as exc:  # noqa: BLE001 - handed to the waiting request
            db.session.rollback()
            if len(group) > 1:
                for pending in group:
                    self.write([pending])
                return
            self.finish(group[0], error=exc)
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
            self.finish(pending)

    def finish(self, pending: PendingWrite, error: BaseException | None = None) -> None:
        """Mark a write done (with its error, if any) for the request waiting on it."""
        with self.changed:
            pending.error = error
            pending.done = True
            self.changed.notify_all()


def writer_for(prepare, store_prepared, announce) -> GroupWriter:
    """This app's writer, created on first use."""
    return per_app(current_app, EXTENSION_KEY,
                   lambda: GroupWriter(prepare, store_prepared, announce))
