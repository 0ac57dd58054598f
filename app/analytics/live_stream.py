"""The frames of one live stream (Server-Sent Events), read from a LiveHub (live.py)."""

import json
import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from app.analytics.live import LiveHub

# Between the two writes of a probe: the first write to a connection the client closed is
# accepted and answered with a reset, and only a write after that reset fails.
PROBE_SECOND_WRITE_SECONDS = 0.2


def parse_last_event_id(raw: str | None) -> int | None:
    """Return where a reconnecting EventSource left off (Last-Event-ID header, or
    ?lastEventId= on first connect); None for anything but a short integer.
    """
    if raw and len(raw) > 20:
        return None
    try:
        return int(raw) if raw else None
    except ValueError:
        return None


def sse(event: str | None = None, data: dict | None = None, event_id: int | None = None,
        comment: str | None = None) -> str:
    """One Server-Sent Events frame."""
    lines = []
    if comment is not None:
        lines.append(f": {comment}")
    if event_id is not None:
        lines.append(f"id: {event_id}")
    if event is not None:
        lines.append(f"event: {event}")
    if data is not None:
        lines.append(f"data: {json.dumps(data, separators=(',', ':'))}")
    return "\n".join(lines) + "\n\n"


def event_stream(hub: "LiveHub", user: str | None, project_id: int, last_event_id: int | None,
                 fresh_total: Callable[[], int], heartbeat_seconds: float,
                 lifetime_seconds: float, release: Callable[[], None],
                 still_allowed: Callable[[], bool] = lambda: True) -> Iterator[str]:
    """Frames for one connection: a hello, then an update per ingest, heartbeats between.

    The connection ends after `lifetime_seconds`; EventSource reconnects with Last-Event-ID
    and misses nothing still in the hub's history. A client that went away is noticed at
    the next write that fails, which ends the generator and calls `release`: a heartbeat
    at the latest, or sooner when a newcomer of the same user probes (two writes at once).
    The reader's access is checked again before every update and heartbeat
    (`still_allowed`): a revoked link or token, a removed member or a deleted project ends
    the stream at once instead of at its end of life.
    """
    try:
        cursor = hub.latest_seq if last_event_id is None else last_event_id
        probes_seen = hub.probes.get(user, 0)
        yield "retry: 3000\n\n"
        yield sse("hello", {"total": fresh_total()}, event_id=cursor)
        deadline = time.monotonic() + lifetime_seconds
        last_write = time.monotonic()
        while time.monotonic() < deadline:
            wait = min(heartbeat_seconds, max(0.0, deadline - time.monotonic()))
            newer = hub.messages_after(cursor, wait, user, probes_seen)
            if newer:
                cursor = newer[-1].seq
            messages = [message for message in newer if message.project_id == project_id]
            if newer and not messages:
                # Only other projects' ingests: nothing to tell, but stay heard (a
                # heartbeat is also how a client that went away is noticed).
                if time.monotonic() - last_write >= heartbeat_seconds:
                    if not still_allowed():
                        return
                    last_write = time.monotonic()
                    yield sse(comment="heartbeat")
                continue
            last_write = time.monotonic()
            if not messages and hub.probes.get(user, 0) != probes_seen:
                probes_seen = hub.probes.get(user, 0)
                yield sse(comment="probe")
                time.sleep(PROBE_SECOND_WRITE_SECONDS)
                yield sse(comment="probe")
                continue
            if not still_allowed():
                return
            if not messages:
                yield sse(comment="heartbeat")
                continue
            names = sorted({name for message in messages for name in message.names})
            yield sse("events", {"total": fresh_total(), "names": names,
                                 "received": sum(message.received for message in messages)},
                      event_id=cursor)
    finally:
        release()
