"""CSV export, streamed a chunk at a time so a million rows need no more memory than ten;
at most EXPORT_MAX_CONCURRENT_PER_USER at once per user, and none outliving a client that
stopped reading (EXPORT_STALL_SECONDS) or EXPORT_MAX_SECONDS.
"""

import csv
import io
import itertools
import json
import logging
import socket
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime, timedelta

from flask import Flask, Response, current_app, stream_with_context

from app.analytics import service
from app.analytics.data import events as event_data
from app.analytics.periods import Filters
from app.extensions import per_app
from app.redis_client import REDIS_ERRORS, WarnOnce, redis_client

log = logging.getLogger(__name__)

ROWS_PER_CHUNK = 1000
# Spreadsheet apps run cells starting with these as formulas (CSV injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def cell(value) -> str | int | float:
    """One CSV cell: ISO times, JSON objects, and text defused against formula injection."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict | list):
        value = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def csv_chunks(header: tuple[str, ...], rows: Iterable[Iterable]) -> Iterator[str]:
    """The header, then rows in chunks of ROWS_PER_CHUNK."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    pending = 0
    for row in rows:
        writer.writerow([cell(value) for value in row])
        pending += 1
        if pending >= ROWS_PER_CHUNK:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
            pending = 0
    yield buffer.getvalue()


def events_csv(filters: Filters) -> Iterator[str]:
    """Every matching event."""
    return csv_chunks(event_data.EXPORT_COLUMNS, event_data.export_events(filters))


def daily_csv(rows: list[tuple[str, str, int]]) -> Iterator[str]:
    """Counts per local day and feature."""
    return csv_chunks(("date", "feature", "count"), rows)


def filename(kind: str, start: str | None, end: str | None) -> str:
    """ouroboard-events-2026-01-01_2026-01-31.csv, or ...-all.csv for all time."""
    period = f"{start}_{end}" if start and end else "all"
    return f"ouroboard-{kind}-{period}.csv"


def filename_for(kind: str, filters: Filters) -> str:
    """Return the download's file name, named by the filters' first and last local days."""
    start = filters.start.astimezone(filters.tz).date().isoformat() if filters.start else None
    end = (filters.end - timedelta(microseconds=1)).astimezone(filters.tz).date().isoformat() \
        if filters.end else None
    return filename(kind, start, end)


class ExportLimitReachedError(Exception):
    """The user already runs EXPORT_MAX_CONCURRENT_PER_USER exports."""


class ExportTooLongError(Exception):
    """The export ran past EXPORT_MAX_SECONDS; the download is cut off unfinished."""


# Retry hint for an export refused because the user runs too many already.
RETRY_AFTER_SECONDS = 10
LOCAL_SLOTS_KEY = "ouroboard.export_slots"
redis_warning = WarnOnce("export slots in Redis unavailable, counting per process")


class LocalSlots:
    """Exports running per user in this process (without Redis)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.running: dict[str, int] = {}

    def claim(self, user: str, limit: int) -> bool:
        """Take a slot for `user` if fewer than `limit` are taken."""
        with self.lock:
            if self.running.get(user, 0) >= limit:
                return False
            self.running[user] = self.running.get(user, 0) + 1
            return True

    def release(self, user: str) -> None:
        """Give a slot of `user` back."""
        with self.lock:
            left = self.running.pop(user, 0) - 1
            if left > 0:
                self.running[user] = left


class ExportSlot:
    """One running export's slot, given back exactly once (by the response's close hook,
    or by the view when the export fails before its response exists).
    """

    def __init__(self, release: Callable[[], None]):
        self.give_back = release
        self.released = False

    def release(self) -> None:
        """Give the slot back; later calls do nothing."""
        if not self.released:
            self.released = True
            self.give_back()


def claim_redis_slot(app: Flask, client, user: str, limit: int) -> ExportSlot | None:
    """Count the export in Redis, shared by every worker; None when Redis fails.

    The counter expires some time after the longest export could end, so slots of a
    process killed mid-export come back by themselves.
    """
    key = f"{app.config['RATELIMIT_KEY_PREFIX']}:exports:{user}"
    try:
        running = client.incr(key)
        client.expire(key, int(app.config["EXPORT_MAX_SECONDS"]) + 60)
        if running > limit:
            client.decr(key)
            raise ExportLimitReachedError
        redis_warning.recovered()
    except REDIS_ERRORS as exc:
        redis_warning.failed(exc)
        return None

    def release() -> None:
        try:
            client.decr(key)
        except REDIS_ERRORS as exc:
            redis_warning.failed(exc)

    return ExportSlot(release)


def claim_slot(app: Flask, user: str) -> ExportSlot:
    """A slot for one more export by `user`, or raise ExportLimitReachedError."""
    limit = app.config["EXPORT_MAX_CONCURRENT_PER_USER"]
    client = redis_client(app)
    if client is not None:
        slot = claim_redis_slot(app, client, user, limit)
        if slot is not None:
            return slot
    local = per_app(app, LOCAL_SLOTS_KEY, LocalSlots)
    if not local.claim(user, limit):
        raise ExportLimitReachedError
    return ExportSlot(lambda: local.release(user))


def client_socket(environ: dict) -> socket.socket | None:
    """The client's socket, where the server exposes it (gunicorn, werkzeug)."""
    sock = environ.get("gunicorn.socket") or environ.get("werkzeug.socket")
    # gevent's sockets are not socket.socket, but time out alike.
    return sock if hasattr(sock, "settimeout") else None


def bounded(chunks: Iterator[str], max_seconds: float) -> Iterator[str]:
    """The chunks, cut off with ExportTooLongError once `max_seconds` have passed.

    Raising (rather than ending) leaves the chunked download unterminated, so the client
    sees a failed transfer instead of a complete-looking, truncated file.
    """
    deadline = time.monotonic() + max_seconds
    for chunk in chunks:
        yield chunk
        if time.monotonic() > deadline:
            log.warning("export cut off after %.0f s", max_seconds)
            raise ExportTooLongError


def csv_response(app: Flask, chunks: Iterator[str], download_name: str, slot: ExportSlot,
                 environ: dict) -> Response:
    """Stream the export: its first chunk read now (so a query that fails or times out is
    answered with an error status), the rest as the client reads, the slot given back when
    the response ends however it ends.

    A client that stops reading stalls the server's blocking send, where no check in this
    generator runs: a send timeout on the client socket ends the request instead.
    """
    first = next(chunks)
    sock = client_socket(environ)
    if sock is not None:
        sock.settimeout(app.config["EXPORT_STALL_SECONDS"])
    body = bounded(itertools.chain([first], chunks), app.config["EXPORT_MAX_SECONDS"])
    response = Response(stream_with_context(body), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="{download_name}"',
        "Cache-Control": "no-store",
    })
    response.call_on_close(slot.release)
    return response


def start_export(kind: str, filters: Filters, user: str, environ: dict) -> Response:
    """The CSV export's response for `user`, holding one of their export slots until it ends.

    Raise ExportLimitReachedError when they already run EXPORT_MAX_CONCURRENT_PER_USER.
    """
    app = current_app._get_current_object()
    slot = claim_slot(app, user)
    try:
        if kind == "daily":
            chunks = daily_csv(service.daily_feature_rows(filters))
        else:
            chunks = events_csv(filters)
        return csv_response(app, chunks, filename_for(kind, filters), slot, environ)
    except BaseException:
        slot.release()
        raise
