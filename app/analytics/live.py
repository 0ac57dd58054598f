"""The live stream: Server-Sent Events telling dashboards that new events were stored.

Each process keeps a short history of messages in a LiveHub, fed three ways:
- ingestion in this process delivers to it directly, at once;
- with REDIS_URL, ingestion also publishes to a Redis channel (with a global sequence number
  from INCR) and every process's subscriber thread feeds its own hub, so a dashboard on any
  worker or instance hears about every ingest;
- without Redis, a watcher thread in each process that has open streams looks at the events
  table every second and announces what other workers stored. Workers' ids interleave, so
  the watcher counts every id above the mark it last looked at and takes off the events this
  process announced itself; an own event the watcher already counted is not announced
  again. Each event is announced once.
If Redis fails, delivery falls back to the local and watcher paths.

The hub also counts the open streams (LIVE_MAX_STREAMS per process, LIVE_MAX_STREAMS_PER_USER
per user); each stream's frames are written by app/analytics/live_stream.py.
"""

import json
import logging
import threading
import time
import uuid
from collections import Counter, deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import redis
from flask import Flask
from sqlalchemy.exc import SQLAlchemyError

from app import metrics
from app.analytics.data.events import names_counted_between, newest_event_id
from app.analytics.live_stream import event_stream, parse_last_event_id
from app.analytics.service import local_generation
from app.extensions import db, per_app
from app.redis_client import REDIS_ERRORS, WarnOnce

log = logging.getLogger(__name__)

CHANNEL = "ouroboard:live:events"
HISTORY_LENGTH = 512
EXTENSION_KEY = "ouroboard.live"
RESUBSCRIBE_DELAY_SECONDS = 1.0
WATCH_INTERVAL_SECONDS = 1.0
# How long a newcomer at their per-user cap waits for probed streams to give a slot back.
PROBE_WAIT_SECONDS = 1.0
# Own announced events the watcher has not looked past yet (a few seconds of ingest).
OWN_EVENTS_REMEMBERED = 100_000

publish_warning = WarnOnce("live fan-out through Redis unavailable, delivering locally")
SUBSCRIBE_WARNING = "live subscription to Redis lost, watching the events table"


@dataclass(frozen=True)
class LiveMessage:
    """One ingest notice for one project: which event names arrived and how many events
    (streams hear only their own project's messages).
    """

    seq: int
    project_id: int
    names: tuple[str, ...]
    received: int


class StreamLimitReachedError(Exception):
    """This process already serves its maximum number of open streams."""


class UserStreamLimitReachedError(Exception):
    """This user already holds their maximum number of open streams in this process."""


class LiveHub:
    """Per-process message history plus a condition that wakes waiting streams.

    Sequence numbers are this process's own, so a Redis restart (which forgets everything)
    cannot send them backwards; messages carry a random id so that our own publish,
    echoed back by Redis, is delivered once.
    """

    def __init__(self, app: Flask):
        self.app = app
        self.history: deque[LiveMessage] = deque(maxlen=HISTORY_LENGTH)
        # Message ids delivered here, oldest first, and the same as a set: every stored
        # batch asks whether its message was seen, and a scan of the deque cost ~0.2 ms.
        self.seen_ids: deque[str] = deque()
        self.seen_id_set: set[str] = set()
        self.condition = threading.Condition()
        self.open_streams = 0
        # Open streams per user id, so that one person cannot hold every slot.
        self.open_streams_by_user: dict[str, int] = {}
        # Per user, how often a newcomer at the user's cap asked their streams to write now.
        self.probes: dict[str, int] = {}
        self.subscriber: threading.Thread | None = None
        self.subscriber_lock = threading.Lock()
        # The watcher has accounted for every event id up to this one.
        self.watched_event_id = 0
        # Whether this hub's Redis subscription is down (so the watcher is in use).
        self.subscribe_warning = WarnOnce(SUBSCRIBE_WARNING)
        # (id, name) of events this process announced itself above watched_event_id.
        self.own_announced: deque[tuple[int, str]] = deque(maxlen=OWN_EVENTS_REMEMBERED)

    @property
    def latest_seq(self) -> int:
        """The sequence number of the newest message, 0 before the first."""
        with self.condition:
            return self.history[-1].seq if self.history else 0

    def deliver(self, project_id: int, names, received: int,
                message_id: str | None = None) -> None:
        """Add a message with the next sequence number and wake every waiting stream."""
        with self.condition:
            self.deliver_locked(project_id, names, received, message_id)

    def deliver_locked(self, project_id: int, names, received: int,
                       message_id: str | None = None) -> None:
        """Deliver, holding the condition already; a message id seen before is dropped."""
        if message_id is not None:
            if message_id in self.seen_id_set:
                return
            self.seen_ids.append(message_id)
            self.seen_id_set.add(message_id)
            if len(self.seen_ids) > HISTORY_LENGTH * 4:
                self.seen_id_set.discard(self.seen_ids.popleft())
        seq = (self.history[-1].seq if self.history else 0) + 1
        self.history.append(LiveMessage(seq, project_id, tuple(names), received))
        self.condition.notify_all()

    def publish(self, events: list[tuple[int, int, str]]) -> None:
        """Announce stored events, given as (id, project id, name), here at once (a message
        per project), and to other processes through Redis when it is configured and up
        (without it, their watchers find them).
        """
        watching = self.watching()
        messages: list[dict] = []
        with self.condition:
            # Events the watcher already counted (committed just before it looked) are out.
            fresh = [event for event in events
                     if not watching or event[0] > self.watched_event_id]
            if not fresh:
                return
            if watching and self.open_streams > 0:
                # Only the watcher reads these, and only while someone listens.
                self.own_announced.extend(fresh)
            by_project: dict[int, list[str]] = {}
            for _, project_id, name in fresh:
                by_project.setdefault(project_id, []).append(name)
            for project_id, names in sorted(by_project.items()):
                message = {"id": uuid.uuid4().hex, "project": project_id,
                           "names": sorted(set(names)), "received": len(names)}
                self.deliver_locked(project_id, message["names"], message["received"],
                                    message["id"])
                messages.append(message)
        client = self.redis()
        if client is None:
            return
        self.ensure_subscriber()
        try:
            for message in messages:
                client.publish(CHANNEL, json.dumps(message))
            publish_warning.recovered()
        except REDIS_ERRORS as exc:
            publish_warning.failed(exc)

    def messages_after(self, seq: int, timeout: float, user: str | None = None,
                       probes_seen: int = 0) -> list[LiveMessage]:
        """Messages newer than `seq`, waiting up to `timeout` seconds for the first, or
        less when `user`'s streams are probed (see open_stream).
        """
        deadline = time.monotonic() + timeout
        with self.condition:
            while True:
                newer = [message for message in self.history if message.seq > seq]
                remaining = deadline - time.monotonic()
                if newer or remaining <= 0 or self.probes.get(user, 0) != probes_seen:
                    return newer
                self.condition.wait(remaining)

    def watching(self) -> bool:
        """Whether other processes' events reach this one through the table watcher."""
        return not self.app.config.get("REDIS_URL") or self.subscribe_warning.failing

    def open_stream(self, limit: int, user: str | None = None,
                    user_limit: int | None = None) -> None:
        """Count one more open stream, or raise StreamLimitReachedError at `limit`, or
        UserStreamLimitReachedError when `user` holds `user_limit` streams still alive.

        A client that left (a closed tab, a changed filter) is noticed only when a write to
        it fails, at its next heartbeat; so a user at the cap first has their streams
        write at once, and the slots of connections already gone come back.
        """
        with self.condition:
            if user is not None and user_limit is not None:
                self.probe_user_streams(user, user_limit)
            if self.open_streams >= limit:
                raise StreamLimitReachedError
            self.open_streams += 1
            if user is not None:
                self.open_streams_by_user[user] = self.open_streams_by_user.get(user, 0) + 1
            first = self.open_streams == 1
        metrics.open_streams.inc()
        if first and self.watching():
            # Nobody listened until now, so own events went unrecorded: look from here.
            self.skip_past_events()

    def probe_user_streams(self, user: str, user_limit: int) -> None:
        """With the condition held: when `user` is at `user_limit`, wake their streams to
        write, and wait up to PROBE_WAIT_SECONDS for one to fail and give its slot back.
        """
        def below_limit() -> bool:
            return self.open_streams_by_user.get(user, 0) < user_limit

        if below_limit():
            return
        self.probes[user] = self.probes.get(user, 0) + 1
        self.condition.notify_all()
        if not self.condition.wait_for(below_limit, PROBE_WAIT_SECONDS):
            raise UserStreamLimitReachedError

    def close_stream(self, user: str | None = None) -> None:
        """Count one stream less; with none left, forget the own events kept for the watcher."""
        with self.condition:
            self.open_streams -= 1
            if user is not None:
                held = self.open_streams_by_user.pop(user, 0) - 1
                if held > 0:
                    self.open_streams_by_user[user] = held
                else:
                    self.probes.pop(user, None)
            if self.open_streams <= 0:
                self.own_announced.clear()
            self.condition.notify_all()  # a newcomer may be waiting for this slot
        metrics.open_streams.dec()

    def redis(self) -> redis.Redis | None:
        """Return the app's Redis client, or None without REDIS_URL."""
        from app.redis_client import redis_client

        return redis_client(self.app)

    def ensure_subscriber(self) -> None:
        """Start this process's Redis subscriber, or without Redis its table watcher, once
        (lazily, so it runs in each gunicorn worker after the fork).
        """
        target = self.subscribe_forever if self.app.config.get("REDIS_URL") else \
            self.watch_events_table
        with self.subscriber_lock:
            if self.subscriber is None or not self.subscriber.is_alive():
                self.subscriber = threading.Thread(target=target, name="ouroboard-live",
                                                   daemon=True)
                self.subscriber.start()

    def skip_past_events(self) -> None:
        """Start watching from the newest stored event: streams only want what is new."""
        with self.app.app_context():
            try:
                newest = newest_event_id()
                with self.condition:
                    self.watched_event_id = max(self.watched_event_id, newest)
            except SQLAlchemyError:
                db.session.rollback()
            finally:
                db.session.remove()

    def watch_events_table(self) -> None:
        """Announce events other processes stored, by polling the id high-water mark."""
        self.skip_past_events()
        while True:
            time.sleep(WATCH_INTERVAL_SECONDS)
            self.poll_events_table()

    def poll_events_table(self) -> None:
        """One look at the events table, when some stream is listening."""
        if self.open_streams <= 0:
            return
        with self.app.app_context():
            try:
                self.announce_new_events()
            except SQLAlchemyError as exc:
                log.warning("live watcher cannot read events: %s", exc)
                db.session.rollback()
            finally:
                db.session.remove()

    def announce_new_events(self) -> None:
        """Deliver one message for the events other processes stored since the last look."""
        since = self.watched_event_id
        newest = newest_event_id()
        if newest <= since:
            return
        counts = names_counted_between(since, newest)
        with self.condition:
            if self.watched_event_id != since:
                return  # looked past meanwhile (a resubscribe); the next look recounts
            remaining = deque()
            for event_id, project_id, name in self.own_announced:
                if event_id > newest:
                    remaining.append((event_id, project_id, name))
                elif event_id > since:
                    counts[project_id, name] -= 1  # announced by this process already
            self.own_announced = deque(remaining, maxlen=OWN_EVENTS_REMEMBERED)
            self.watched_event_id = newest
            by_project: dict[int, Counter] = {}
            for (project_id, name), count in counts.items():
                if count > 0:
                    by_project.setdefault(project_id, Counter())[name] = count
            if by_project:
                # Other processes' ingests did not bump this app's own generation.
                local_generation(self.app).bump()
            for project_id, names in sorted(by_project.items()):
                self.deliver_locked(project_id, sorted(names), sum(names.values()))

    def subscribe_forever(self) -> None:
        """Feed the hub from Redis pub/sub, reconnecting whenever Redis comes back; while it
        is down, watch the events table instead so streams still hear other workers.
        """
        url = self.app.config["REDIS_URL"]
        self.skip_past_events()
        while True:
            try:
                client = redis.Redis.from_url(url, socket_connect_timeout=1,
                                              health_check_interval=10)
                pubsub = client.pubsub(ignore_subscribe_messages=True)
                pubsub.subscribe(CHANNEL)
                self.subscribe_warning.recovered()
                while True:
                    message = pubsub.get_message(timeout=1.0)
                    if message and message.get("type") == "message":
                        body = json.loads(message["data"])
                        self.deliver(int(body["project"]), tuple(body["names"]),
                                     int(body["received"]), str(body["id"]))
            except REDIS_ERRORS as exc:
                if self.subscribe_warning.failed(exc):
                    # Redis announced everything up to now: watch from here on.
                    self.skip_past_events()
                self.poll_events_table()
                time.sleep(RESUBSCRIBE_DELAY_SECONDS)
            except (ValueError, KeyError, TypeError) as exc:
                log.warning("ignoring a malformed live message: %s", exc)


def hub_for(app: Flask) -> LiveHub:
    """The app's hub, created on first use."""
    return per_app(app, EXTENSION_KEY, lambda: LiveHub(app))


class StreamSlot:
    """One stream's place in the hub's counts, given back exactly once.

    Both the frames' `finally` and the response's close hook call `release`: a WSGI server
    closes every response, and a response closed before its first frame never runs the
    generator's `finally`.
    """

    def __init__(self, hub: LiveHub, user: str | None):
        self.hub = hub
        self.user = user
        self.released = False
        self.lock = threading.Lock()

    def release(self) -> None:
        """Give the slot back; later calls do nothing."""
        with self.lock:
            if self.released:
                return
            self.released = True
        self.hub.close_stream(self.user)


@dataclass(frozen=True)
class OpenedStream:
    """An open stream: its frames, and `release` for the response's close hook."""

    frames: Iterator[str]
    release: Callable[[], None]


def open_event_stream(app: Flask, user: str | None, project_id: int,
                      last_event_id: str | None, fresh_total: Callable[[], int],
                      still_allowed: Callable[[], bool] = lambda: True) -> OpenedStream:
    """Take a slot on the app's hub for `user` and return the frames of a stream of the
    project's updates.

    Raise StreamLimitReachedError when this process already serves LIVE_MAX_STREAMS, and
    UserStreamLimitReachedError when `user` already holds LIVE_MAX_STREAMS_PER_USER here.
    """
    config = app.config
    hub = hub_for(app)
    hub.ensure_subscriber()
    hub.open_stream(config["LIVE_MAX_STREAMS"], user, config["LIVE_MAX_STREAMS_PER_USER"])
    slot = StreamSlot(hub, user)
    frames = event_stream(hub, user, project_id, parse_last_event_id(last_event_id), fresh_total,
                          heartbeat_seconds=config["LIVE_HEARTBEAT_SECONDS"],
                          lifetime_seconds=config["LIVE_MAX_SECONDS"], release=slot.release,
                          still_allowed=still_allowed)
    return OpenedStream(frames, slot.release)
