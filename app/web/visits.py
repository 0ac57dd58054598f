"""Visits, the web rollups and the visitor-day tables, kept exact while storing.

The store calls `settle` in its write turn, before inserting: each new event joins its
visitor's visit (a client-supplied session id wins; otherwise a visit ends after 30
minutes without events) or starts one, and takes the visit's source, device and country
values. After the insert, `record` writes the visits and adds to the rollups exactly what
the stored rows change: a visit that grows has its old contribution taken off and its new
one added, so bounces, durations and exit pages stay exact as events arrive (in any order).
"""

import functools
import hashlib
import math
from bisect import bisect_left, insort
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta

from flask import current_app

from app.event_rows import VISIT_COLUMNS
from app.web import data
from app.web.tables import NO_PREVIOUS_DAY, VISIT_DIMENSIONS

SESSION_GAP = timedelta(minutes=30)
# The web rollups' periods: hours (the edges of a range), days and months.
PERIOD_KINDS = ("hour", "day", "month")
PAGEVIEW = "page_view"
# The visit's own copies of its first event's values (hostname included).
ATTRIBUTES = ("hostname", *VISIT_COLUMNS[1:])


class VisitsChangedError(Exception):
    """Another transaction stored some of the batch's events first (Postgres only): the
    visits settled for them are wrong, so the transaction must be retried.
    """


@dataclass
class Visit:
    """One visit's state, as stored in `visits`."""

    project_id: int
    visit_id: str
    visitor_id: str
    started_at: datetime
    ended_at: datetime
    entry_page: str | None
    exit_page: str | None
    pageviews: int
    events: int
    attributes: dict = field(default_factory=dict)

    def dimension_values(self) -> dict[str, str]:
        """The value of each visit dimension ("" when the visit has none)."""
        values = {name: self.attributes.get(column) or ""
                  for name, column in VISIT_DIMENSIONS.items()}
        values["entry_page"] = self.entry_page or ""
        values["exit_page"] = self.exit_page or ""
        browser, version = self.attributes.get("browser"), self.attributes.get("browser_version")
        values["browser_version"] = f"{browser} {version}" if browser and version else ""
        return values

    def measures(self) -> tuple[int, int, int, int, int]:
        """(visits, pageviews, bounces, duration in seconds, events) of this one visit."""
        bounce = int(self.pageviews == 1 and self.events == 1)
        # Whole seconds of each end, as the rebuild's SQL computes it.
        duration = (math.floor(self.ended_at.timestamp())
                    - math.floor(self.started_at.timestamp()))
        return (1, self.pageviews, bounce, duration, self.events)


@dataclass
class Settled:
    """What `settle` decided for a batch: the rows it placed, and each visit they touch
    as it was before (None for a new one) and as it is now.
    """

    rows: list[dict]
    before: dict[tuple[int, str], Visit | None]
    after: dict[tuple[int, str], Visit]
    # uuid -> the VISIT_COLUMNS values its event is stored with (its visit's)
    assigned: dict[str, tuple]

    def stored_values(self, row: dict) -> tuple:
        """The VISIT_COLUMNS values a row is stored with: its visit's, else its own."""
        return self.assigned.get(row["uuid"]) or tuple(row[name] for name in VISIT_COLUMNS)


def session_visit_id(row: dict) -> str:
    """The visit of a client-supplied session id: "s:" and a hash of the visitor and the
    id, so two visitors whose senders reuse an id (say, "default") never share a visit.
    """
    digest = hashlib.blake2b(f"{row['visitor_id']}\x00{row['session_id']}".encode(),
                             digest_size=16)
    return "s:" + digest.hexdigest()


def new_visit(row: dict) -> Visit:
    """A visit started by this row."""
    page = row["pathname"] if row["name"] == PAGEVIEW else None
    visit_id = (session_visit_id(row) if row["session_id"]
                else "v:" + row["uuid"].replace("-", "")[:40])
    return Visit(row["project_id"], visit_id, row["visitor_id"], row["occurred_at"],
                 row["occurred_at"], page, page, int(row["name"] == PAGEVIEW), 1,
                 {name: row[name] for name in ATTRIBUTES})


def extend(visit: Visit, row: dict) -> None:
    """Add one event to a visit: counts, its time span, and its entry and exit pages."""
    moment, viewed = row["occurred_at"], row["name"] == PAGEVIEW
    visit.pageviews += int(viewed)
    visit.events += 1
    if moment < visit.started_at:
        visit.started_at = moment
        if viewed:
            visit.entry_page = row["pathname"]
    elif viewed and visit.entry_page is None:
        visit.entry_page = row["pathname"]
    if moment >= visit.ended_at:
        visit.ended_at = moment
        if viewed:
            visit.exit_page = row["pathname"]
    elif viewed and visit.exit_page is None:
        visit.exit_page = row["pathname"]


def open_visit(candidates: list[Visit], moment: datetime) -> Visit | None:
    """The visitor's visit this moment belongs to: within 30 minutes of it, latest first."""
    best = None
    for visit in candidates:
        if (visit.started_at - SESSION_GAP <= moment <= visit.ended_at + SESSION_GAP
                and not visit.visit_id.startswith("s:")
                and (best is None or visit.ended_at > best.ended_at)):
            best = visit
    return best


def settle(rows: list[dict]) -> Settled | None:
    """Place each new, human event of a batch in its visit and copy the visit's values
    onto it. Rows already stored (replays) are left alone. None when nothing is placed.
    """
    if not current_app.config["WEB_ENRICHMENT"]:
        return None
    candidates = [row for row in rows if row["visitor_id"] and not row["is_bot"]]
    if not candidates:
        return None
    known = data.stored_uuids([row["uuid"] for row in candidates])
    fresh, seen = [], set(known)
    for row in candidates:
        if row["uuid"] not in seen:
            seen.add(row["uuid"])
            fresh.append(row)
    if not fresh:
        return None
    fresh.sort(key=lambda row: row["occurred_at"])
    data.lock_visitors({(row["project_id"], row["visitor_id"]) for row in fresh})
    by_visitor, by_id = load_visits(fresh)
    before: dict[tuple[int, str], Visit | None] = {}  # each touched visit as it was
    touched: dict[tuple[int, str], Visit] = {}
    assigned: dict[str, tuple] = {}
    for row in fresh:
        project_id = row["project_id"]
        if row["session_id"]:
            visit = by_id.get((project_id, session_visit_id(row)))
        else:
            visit = open_visit(by_visitor.get((project_id, row["visitor_id"]), []),
                               row["occurred_at"])
        if visit is None:
            visit = new_visit(row)
            by_id[(project_id, visit.visit_id)] = visit
            by_visitor.setdefault((project_id, row["visitor_id"]), []).append(visit)
            before[(project_id, visit.visit_id)] = None
        else:
            if (project_id, visit.visit_id) not in before:
                before[(project_id, visit.visit_id)] = replace(
                    visit, attributes=dict(visit.attributes))
            extend(visit, row)
        touched[(project_id, visit.visit_id)] = visit
        # Not written into the row: if the transaction fails, the retry must settle it
        # again from the event's own values.
        assigned[row["uuid"]] = (visit.visit_id,
                                 *(visit.attributes[name] for name in VISIT_COLUMNS[1:]))
    return Settled(fresh, before, touched, assigned)


def load_visits(rows: list[dict]):
    """The stored visits the rows may join: by visitor (those near the rows' times) and
    by client session id.
    """
    by_visitor: dict[tuple[int, str], list[Visit]] = {}
    by_id: dict[tuple[int, str], Visit] = {}
    per_project: dict[int, list[dict]] = {}
    for row in rows:
        per_project.setdefault(row["project_id"], []).append(row)
    for project_id, listed in per_project.items():
        visitors = {row["visitor_id"] for row in listed if not row["session_id"]}
        session_ids = {session_visit_id(row) for row in listed if row["session_id"]}
        since = min(row["occurred_at"] for row in listed) - SESSION_GAP
        for stored in data.load_visits(project_id, visitors, session_ids, since):
            visit = Visit(project_id, stored["visit_id"], stored["visitor_id"],
                          stored["started_at"], stored["ended_at"], stored["entry_page"],
                          stored["exit_page"], stored["pageviews"], stored["events"],
                          {name: stored[name] for name in ATTRIBUTES})
            by_id[(project_id, visit.visit_id)] = visit
            by_visitor.setdefault((project_id, visit.visitor_id), []).append(visit)
    return by_visitor, by_id


def record(settled: Settled | None, stored: list[dict]) -> None:
    """Write what the stored rows change: visits, web rollups, visitor days."""
    if not current_app.config["WEB_ENRICHMENT"] or not stored:
        return
    if settled is not None:
        stored_uuids = {row["uuid"] for row in stored}
        if any(row["uuid"] not in stored_uuids for row in settled.rows):
            raise VisitsChangedError("events of this batch were stored by another transaction")
        data.save_visits(list(settled.after.values()))
    deltas = visit_deltas(settled) if settled is not None else {}
    humans = [row for row in stored if not row["is_bot"] and row["visitor_id"]]
    add_event_counts(deltas, stored)
    data.add_to_rollups(deltas)
    record_visitor_days(humans)
    data.add_visitor_hours({(row["project_id"], periods(row["occurred_at"])[0],
                             row["visitor_id"]) for row in humans})


def periods(moment: datetime) -> tuple[datetime, date, date]:
    """The UTC hour, day and month (its first day) of a moment, in PERIOD_KINDS order."""
    return periods_of_hour(int(moment.timestamp()) // 3600)


@functools.lru_cache(maxsize=4096)
def periods_of_hour(hour_number: int) -> tuple[datetime, date, date]:
    """periods() of the hour_number-th hour since the epoch (a batch's events share few)."""
    hour = datetime.fromtimestamp(hour_number * 3600, UTC)
    day = hour.date()
    return hour, day, day.replace(day=1)


def bump(deltas: dict, key: tuple, measures: tuple) -> None:
    """Add measures to one rollup key's delta, in place."""
    total = deltas.get(key)
    if total is None:
        deltas[key] = list(measures)
    else:
        for index, value in enumerate(measures):
            total[index] += value


def visit_deltas(settled: Settled) -> dict:
    """The rollup changes of the touched visits. The totals row ("", "") holds every
    measure of a visit, so a growing visit moves its old measures to its new ones; the
    dimension rows count visits only, so they change when a visit is new, moves to
    another day, or changes a value (its exit page, say).
    """
    deltas: dict = {}
    added: list[tuple] = []  # dimension keys gaining a visit (counted in C below)
    taken: list[tuple] = []  # and losing one
    for key, visit in settled.after.items():
        old = settled.before[key]
        project_id, values = visit.project_id, visit.dimension_values()
        new_periods = periods(visit.started_at)
        if old is None:
            for kind, period in zip(PERIOD_KINDS, new_periods, strict=True):
                bump(deltas, (kind, project_id, period, "", ""), visit.measures())
                added.extend([(kind, project_id, period, dimension, value)
                              for dimension, value in values.items()])
            continue
        old_periods, old_values = periods(old.started_at), old.dimension_values()
        moved = old_periods != new_periods
        for kind, period, old_period in zip(PERIOD_KINDS, new_periods, old_periods,
                                            strict=True):
            bump(deltas, (kind, project_id, period, "", ""), visit.measures())
            bump(deltas, (kind, project_id, old_period, "", ""),
                 tuple(-value for value in old.measures()))
            for dimension, value in values.items():
                if moved or old_values[dimension] != value:
                    added.append((kind, project_id, period, dimension, value))
                    taken.append((kind, project_id, old_period, dimension,
                                  old_values[dimension]))
    visit_counts = Counter(added)
    visit_counts.subtract(Counter(taken))
    for key, count in visit_counts.items():
        if count:
            bump(deltas, key, (count, 0, 0, 0, 0))
    return deltas


def add_event_counts(deltas: dict, stored: list[dict]) -> None:
    """Event-time counts: all human events and pageviews ("*"), per page, and bots."""
    for row in stored:
        if row["visitor_id"] is None and not row["is_bot"]:
            continue  # not enriched (WEB_ENRICHMENT was off when it was built)
        row_periods = periods(row["occurred_at"])
        if row["is_bot"]:
            keys, measures = [("bots", "")], (0, 0, 0, 0, 1)
        else:
            viewed = int(row["name"] == PAGEVIEW)
            measures = (0, viewed, 0, 0, 1)
            keys = [("*", "")]
            if row["pathname"]:
                keys.append(("page", row["pathname"]))
        for dimension, value in keys:
            for kind, period in zip(PERIOD_KINDS, row_periods, strict=True):
                bump(deltas, (kind, row["project_id"], period, dimension, value), measures)


def record_visitor_days(rows: list[dict]) -> None:
    """Add each (visitor, UTC day) not yet known, linking it to the visitor's previous day
    and relinking their next one, and count the links in visitor_day_pairs.
    """
    wanted: dict[int, set[tuple[str, date]]] = {}
    for row in rows:
        day = row["occurred_at"].astimezone(UTC).date()
        wanted.setdefault(row["project_id"], set()).add((row["visitor_id"], day))
    for project_id, pairs in wanted.items():
        known = data.load_visitor_days(project_id, {visitor for visitor, _ in pairs})
        inserts, relinks, counts = [], [], Counter()
        for visitor, day in sorted(pairs):
            days = known.setdefault(visitor, [])
            at = bisect_left(days, day)
            if at < len(days) and days[at] == day:
                continue
            previous = days[at - 1] if at else NO_PREVIOUS_DAY
            inserts.append((visitor, day, previous))
            counts[(day, previous)] += 1
            if at < len(days):  # the visitor's next day now follows this one
                following = days[at]
                relinks.append((visitor, following, day))
                counts[(following, previous)] -= 1
                counts[(following, day)] += 1
            insort(days, day)
        data.save_visitor_days(project_id, inserts, relinks, counts)
