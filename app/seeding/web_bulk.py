"""Bulk loading of website traffic for the web benchmark: millions of events of
app.seeding.web_traffic's model written straight into `events` and `visits`, then the web
rollups and visitor days rebuilt by app.web.rebuild_data.rebuild_web.

A second process generates the traffic in time order and computes every web column as
ingestion would (app.web.sources, devices and geo on each request's page, referrer,
User-Agent and address; the visitor; visits split after 30 minutes without events, each
event carrying its visit's source, device and country; bots in no visit), so the rows
equal what app.track.store.insert_events stores for the same requests, except the
cookieless visitors' hashes (keyed here without the daily salt: the same clients, other
names). The main process writes them with executemany (SQLite) or COPY (Postgres).
"""

import hashlib
import json
import multiprocessing
import queue
import secrets
import sys
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime

from app.extensions import db
from app.rollups import data as rollup_data
from app.seeding import data, web_data
from app.seeding.bulk import Progress
from app.seeding.generator import CLOCK
from app.seeding.web_traffic import TrafficModel, hits_in_time_order
from app.web.devices import device_of
from app.web.geo import country_of
from app.web.rebuild_data import rebuild_web
from app.web.sources import channel, page_parts, referrer_domain
from app.web.visits import PAGEVIEW, SESSION_GAP

# The events columns the loader writes, in the order of its rows.
WEB_EVENT_COLUMNS = (
    "uuid", "project_id", "name", "anonymous_id", "page_url", "referrer", "properties",
    "occurred_at", "received_at", "visitor_id", "visit_id", "hostname", "pathname",
    "referrer_domain", "channel", "utm_source", "utm_medium", "utm_campaign", "utm_term",
    "utm_content", "browser", "browser_version", "os", "device_type", "country", "is_bot")
# The visits columns, in the order of its rows.
WEB_VISIT_COLUMNS = (
    "project_id", "visit_id", "visitor_id", "started_at", "ended_at", "entry_page",
    "exit_page", "pageviews", "events", "hostname", "referrer_domain", "channel",
    "utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content", "browser",
    "browser_version", "os", "device_type", "country")
UTM_KEYS = ("utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content")
CHUNK_EVENTS = 20_000
GAP_SECONDS = int(SESSION_GAP.total_seconds())


@dataclass(frozen=True)
class WebLoadPlan:
    """Everything the generator needs, picklable for the producer process."""

    project_id: int
    seed: int
    days: tuple[date, ...]
    total_events: int
    until: datetime | None
    run: str              # 8 hex digits that start every uuid of this load
    dialect: str


class OpenVisit:
    """A visit still open to more events: its state and its first event's values."""

    __slots__ = ("ended", "entry", "events", "exit", "pageviews", "row", "started", "values")

    def __init__(self, row: tuple, started: int, values: tuple):
        self.row, self.started, self.ended, self.values = row, started, started, values
        self.entry = self.exit = None
        self.pageviews = self.events = 0


class Client(tuple):
    """A simulated request's client as enrichment sees it, and its visit's hits."""

    __slots__ = ()
    visitor = property(lambda self: self[0])
    device = property(lambda self: self[1])
    country = property(lambda self: self[2])
    hits = property(lambda self: self[3])


class WebRows:
    """Turns the model's hits into events and visits rows (every web column filled)."""

    def __init__(self, plan: WebLoadPlan):
        self.plan = plan
        self.serial = 0
        self.open: dict[str, OpenVisit] = {}
        self.pages: dict[str, tuple] = {}
        self.sources: dict[tuple, tuple] = {}
        self.hashes: dict[tuple, str] = {}
        self.documents: dict[tuple, str] = {}  # properties as JSON text
        self.days: dict[int, str] = {}
        self.events: list[tuple] = []
        self.visits: list[tuple] = []

    def client(self, visit) -> Client:
        """The visitor, device and country of a simulated visit's requests."""
        if visit.anonymous_id:
            visitor = "a:" + visit.anonymous_id
        else:
            key = (visit.ip, visit.user_agent)
            visitor = self.hashes.get(key)
            if visitor is None:
                digest = hashlib.blake2b(
                    f"{self.plan.project_id}\x00{visit.ip}\x00{visit.user_agent}".encode(),
                    digest_size=16)
                visitor = self.hashes[key] = "h:" + digest.hexdigest()
        return Client((visitor, device_of(visit.user_agent),
                       country_of(visit.ip, visit.country, None), visit.hits))

    def page(self, url: str) -> tuple:
        """(hostname, pathname, utm values in UTM_KEYS order) of a page URL, cached."""
        found = self.pages.get(url)
        if found is None:
            parts = page_parts(url)
            found = self.pages[url] = (parts.hostname, parts.pathname,
                                       tuple(parts.utm.get(key) for key in UTM_KEYS))
        return found

    def source(self, referrer: str | None, hostname: str | None, url: str) -> tuple:
        """(referrer domain, channel) of an event, as enrichment computes them."""
        key = (referrer, hostname, url)
        found = self.sources.get(key)
        if found is None:
            domain = referrer_domain(referrer, {hostname} if hostname else set())
            found = self.sources[key] = (domain, channel(domain, page_parts(url).utm))
        return found

    def stamp(self, moment: int) -> str:
        """A Unix time as the backend's timestamp text."""
        day = self.days.get(moment // 86400)
        if day is None:
            day = self.days[moment // 86400] = datetime.fromtimestamp(
                moment - moment % 86400, UTC).date().isoformat() + " "
        suffix = "+00" if self.plan.dialect == "postgresql" else ".000000"
        return day + CLOCK[moment % 86400] + suffix

    def add(self, hit, client: Client) -> None:
        """One event: its row, and its place in its visitor's visit (bots have none)."""
        self.serial += 1
        uuid = f"{self.plan.run}-0000-4000-8000-{self.serial:012x}"
        hostname, pathname, utm = self.page(hit.page_url)
        device, at = client.device, hit.at
        stamp = self.stamp(at)
        own = (hostname, *self.source(hit.referrer, hostname, hit.page_url), *utm,
               device.browser, device.browser_version, device.os, device.device_type,
               client.country)
        visit_id = None
        if not device.is_bot:
            visit = self.open.get(client.visitor)
            if visit is None or at > visit.ended + GAP_SECONDS:
                if visit is not None:
                    self.close(visit)
                visit_id = "v:" + uuid.replace("-", "")[:40]
                visit = self.open[client.visitor] = OpenVisit(
                    (self.plan.project_id, visit_id, client.visitor), at, own)
            self.extend(visit, hit.name == PAGEVIEW, pathname, at)
            visit_id = visit.row[1]
            own = (hostname, *visit.values[1:])
        properties = None
        if hit.properties is not None:
            key = tuple(hit.properties.items())
            properties = self.documents.get(key)
            if properties is None:
                properties = self.documents[key] = json.dumps(hit.properties)
        self.events.append((uuid, self.plan.project_id, hit.name,
                            None if client.visitor[0] == "h" else client.visitor[2:],
                            hit.page_url, hit.referrer, properties, stamp, stamp,
                            client.visitor, visit_id, hostname, pathname, *own[1:],
                            device.is_bot))

    @staticmethod
    def extend(visit: OpenVisit, viewed: bool, pathname: str | None, at: int) -> None:
        """Count an event (in time order) into its visit, as app.web.visits does."""
        visit.events += 1
        visit.ended = at
        if viewed:
            visit.pageviews += 1
            if visit.entry is None:
                visit.entry = pathname
            visit.exit = pathname

    def close(self, visit: OpenVisit) -> None:
        """A visit no later event can join: its row."""
        self.visits.append((*visit.row, self.stamp(visit.started), self.stamp(visit.ended),
                            visit.entry, visit.exit, visit.pageviews, visit.events,
                            *visit.values))

    def close_idle(self, now: int, every: bool = False) -> None:
        """Close the visits more than 30 minutes quiet at `now` (or all of them)."""
        for visitor in [visitor for visitor, visit in self.open.items()
                        if every or visit.ended + GAP_SECONDS < now]:
            self.close(self.open.pop(visitor))

    def take(self) -> tuple[list, list]:
        """The rows made since the last call."""
        events, visits = self.events, self.visits
        self.events, self.visits = [], []
        return events, visits


def copy_text(rows: list[tuple]) -> str:
    """Rows as Postgres COPY text (the model's strings hold no tab, newline or backslash
    but JSON's escapes, which are doubled).
    """
    def field(value) -> str:
        if value is None:
            return "\\N"
        if value is True or value is False:
            return "t" if value else "f"
        return str(value).replace("\\", "\\\\")
    return "".join("\t".join(map(field, row)) + "\n" for row in rows)


def generate(plan: WebLoadPlan, deliver) -> None:
    """Deliver (events, visits) row chunks of the plan's traffic in time order, then None."""
    model = TrafficModel(plan.seed, list(plan.days), plan.total_events, plan.until)
    rows = WebRows(plan)
    encode = copy_text if plan.dialect == "postgresql" else (lambda chunk: chunk)
    for hit, client in hits_in_time_order(map(rows.client, model.visits())):
        rows.add(hit, client)
        if len(rows.events) >= CHUNK_EVENTS:
            rows.close_idle(hit.at)
            events, visits = rows.take()
            deliver((len(events), encode(events), encode(visits)))
    rows.close_idle(0, every=True)
    events, visits = rows.take()
    deliver((len(events), encode(events), encode(visits)))
    deliver(None)


def produce(plan: WebLoadPlan, outbox) -> None:
    """The producer process: generate into a bounded queue ("failed" after an error)."""
    try:
        generate(plan, outbox.put)
    except BaseException:
        outbox.put("failed")
        raise


def produced(plan: WebLoadPlan):
    """The plan's chunks, generated in a second process while this one writes."""
    context = multiprocessing.get_context("spawn")
    outbox = context.Queue(maxsize=4)
    producer = context.Process(target=produce, args=(plan, outbox), daemon=True)
    producer.start()
    try:
        while True:
            try:
                item = outbox.get(timeout=5)
            except queue.Empty:
                if not producer.is_alive():
                    raise RuntimeError("the traffic generator stopped unexpectedly") from None
                continue
            if item == "failed":
                raise RuntimeError("the traffic generator failed (its error is above)")
            if item is None:
                return
            yield item
    finally:
        if producer.is_alive():
            producer.terminate()
        producer.join()


def load_web_traffic(project_id: int, total_events: int, days: list[date], seed: int = 19,
                     until: datetime | None = None) -> dict:
    """Load `total_events` of the model's traffic over `days` into the project, then build
    its web rollups, visitor days and event rollups; return timings.
    """
    dialect = db.session.get_bind().dialect.name
    data.tune_session_for_bulk(dialect)
    plan = WebLoadPlan(project_id, seed, tuple(days), total_events, until,
                       secrets.token_hex(4), dialect)
    progress = Progress(total_events, f"loading web traffic into {dialect}")
    uncommitted, visit_count = 0, 0
    with data.checks_deferred(dialect), web_data.visit_indexes_deferred():
        for count, events, visits in produced(plan):
            web_data.write_rows(dialect, "events", WEB_EVENT_COLUMNS, events)
            web_data.write_rows(dialect, "visits", WEB_VISIT_COLUMNS, visits)
            visit_count += len(visits) if dialect == "sqlite" else visits.count("\n")
            uncommitted += count
            progress.advance(count)
            if uncommitted >= 100_000:
                db.session.commit()
                uncommitted = 0
        db.session.commit()
        progress.finish()
        sys.stderr.write("rebuilding indexes...\n")
    phases = {}
    for name, rebuild in (("web rollups and visitor days", lambda: rebuild_web(project_id)),
                          ("event rollups", rollup_data.rebuild)):
        started = time.monotonic()
        rebuild()
        db.session.commit()
        phases[name] = time.monotonic() - started
        sys.stderr.write(f"{name} rebuilt in {phases[name]:.1f} s\n")
    if dialect == "postgresql":
        data.vacuum_analyze()
    db.session.remove()
    db.engine.dispose()
    seconds = time.monotonic() - progress.started
    return {"events": total_events, "visits": visit_count, "seconds": seconds,
            "rate": total_events / seconds, "phases": phases}
