"""The bulk loader's event generator: a year of realistic events, day by day in time order,
with their rollup counts. Runs in a second process, so it touches no database.
"""

import multiprocessing
import queue
import random
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from itertools import repeat

from app.models import sqlite_value
from app.rollups.counting import RollupCounts
from app.rollups.definition import Measure, Rollup, fields_read

BULK_FEATURES = (
    "page_view", "date_filter", "bar_chart_click", "line_chart_hover", "age_filter",
    "gender_filter", "refresh_data", "sign_in", "sign_out", "export_csv", "theme_toggle",
    "filter_reset", "feature_clear", "signup_click", "pricing_view", "docs_search",
    "invite_sent", "plan_upgrade", "api_key_created", "report_shared",
)
WEEKDAY_WEIGHTS = (1.15, 1.2, 1.2, 1.15, 1.0, 0.55, 0.45)
HOUR_WEIGHTS = (0.2, 0.1, 0.1, 0.1, 0.1, 0.2, 0.4, 0.8, 1.4, 1.9, 2.1, 2.0,
                1.6, 1.9, 2.1, 2.0, 1.8, 1.4, 1.0, 0.8, 0.7, 0.6, 0.4, 0.3)
PAGES = ("/", "/pricing", "/docs", "/blog", "/signup", "/dashboard", "/settings", "/about")
# The events columns the loader writes, in the order of its rows.
BULK_EVENT_COLUMNS = ("uuid", "project_id", "name", "user_id", "session_id", "page_url",
                      "occurred_at", "received_at", "age_group", "gender")

# "HH:MM:SS" for every second of a day: formatting 10M timestamps must not call strftime.
# With the date before it and ".000000" after, it is sqlite_datetime_text's exact format.
CLOCK = [f"{second // 3600:02d}:{second // 60 % 60:02d}:{second % 60:02d}"
         for second in range(86400)]


def events_per_day(total: int, days: list[date]) -> list[int]:
    """Split the total over the days by weekday rhythm and yearly growth, exactly."""
    weights = [WEEKDAY_WEIGHTS[day.weekday()] * (1 + index / len(days))
               for index, day in enumerate(days)]
    scale = total / sum(weights)
    counts = [int(weight * scale) for weight in weights]
    for index in range(total - sum(counts)):
        counts[index % len(counts)] += 1
    return counts


class DayBatch:
    """One day's generated events as parallel columns (cheap to build, count and write)."""

    def __init__(self, day: date, count: int, users: list[tuple], rng: random.Random,
                 run: str, serial: int, project_ids: tuple[int, ...]):
        self.day = day
        self.count = count
        # Each event goes to one of the projects, at random (one project: no draws).
        self.projects = (list(repeat(project_ids[0], count)) if len(project_ids) == 1
                         else rng.choices(project_ids, k=count))
        hours = rng.choices(range(24), weights=HOUR_WEIGHTS, k=count)
        # random() rather than randrange(): 0.28 against 0.35 µs a draw (timeit, 100k).
        uniform = rng.random
        self.seconds = sorted([hour * 3600 + int(uniform() * 3600) for hour in hours])
        self.names = rng.choices(BULK_FEATURES, k=count)
        self.people = rng.choices(users, k=count)
        self.pages = rng.choices(PAGES, k=count)
        self.uuids = [f"{run}-0000-4000-8000-{number:012x}"
                      for number in range(serial, serial + count)]
        tag = day.strftime("%Y%m%d")
        self.sessions = [f"bulk-{user[0]}-{tag}" for user in self.people]

    def stamps(self, suffix: str) -> list[str]:
        """Each event's time as text: the date, the clock, then `suffix`."""
        prefix = self.day.isoformat() + " "
        return [prefix + CLOCK[second] + suffix for second in self.seconds]

    def column(self, field: str) -> list:
        """One event field for every event of the day, in event order."""
        users = self.people
        columns = {
            "uuid": lambda: self.uuids, "name": lambda: self.names,
            "project_id": lambda: self.projects,
            "user_id": lambda: [user[0] for user in users],
            "age_group": lambda: [user[1] for user in users],
            "gender": lambda: [user[2] for user in users],
            "session_id": lambda: self.sessions, "page_url": lambda: self.pages,
        }
        return columns.get(field, lambda: [None] * self.count)()

    def add_to(self, counts: RollupCounts, fields: tuple[str, ...], weighted: bool,
               resolution_minutes: int = 60) -> None:
        """Count this day into `counts`, whose rollups read only `fields` of an event.

        Events are grouped first, with C-speed Counters over zipped columns: by hour (or
        by the finer slot `resolution_minutes` asks for) and those fields for counts (a
        day has a few thousand such groups against tens of thousands of events), by the
        fields alone for presence rollups, which are at most daily and need no weights.
        The counting loop then runs once per group.
        """
        midnight = datetime(self.day.year, self.day.month, self.day.day, tzinfo=UTC)
        columns = [self.column(field) for field in fields]
        if weighted:
            slots = [midnight + timedelta(minutes=minute)
                     for minute in range(0, 1440, resolution_minutes)]
            width = resolution_minutes * 60
            moments = [slots[second // width] for second in self.seconds]
            groups = Counter(zip(moments, *columns, strict=True)).items()
        else:
            groups = set(zip(repeat(midnight), *columns))
        counts.add_tuples(("occurred_at", *fields), groups, weighted=weighted)


def sqlite_rows(day_batch: DayBatch) -> list[tuple]:
    """The day's events as insert tuples in BULK_EVENT_COLUMNS order."""
    stamps = day_batch.stamps(".000000")
    return list(zip(day_batch.uuids, day_batch.projects, day_batch.names,
                    (user[0] for user in day_batch.people),
                    day_batch.sessions, day_batch.pages, stamps, stamps,
                    (user[1] for user in day_batch.people),
                    (user[2] for user in day_batch.people), strict=True))


def postgres_lines(day_batch: DayBatch) -> str:
    """The day's events as COPY text in BULK_EVENT_COLUMNS order."""
    stamps = day_batch.stamps("+00")
    return "".join(
        f"{uuid}\t{project}\t{name}\t{user[0]}\t{session}\t{page}\t{stamp}\t{stamp}\t"
        f"{user[1]}\t{user[2]}\n"
        for uuid, project, name, user, session, page, stamp in zip(
            day_batch.uuids, day_batch.projects, day_batch.names, day_batch.people,
            day_batch.sessions, day_batch.pages, stamps, strict=True))


@dataclass(frozen=True)
class LoadPlan:
    """Everything the generator needs, picklable for the producer process."""

    days: tuple[date, ...]
    counts: tuple[int, ...]
    users: tuple[tuple, ...]
    rng_state: tuple
    run: str
    dialect: str
    rollups: tuple[Rollup, ...]
    project_ids: tuple[int, ...]


def rollup_counters(plan: LoadPlan) -> list[tuple[tuple[str, ...], bool, int, RollupCounts]]:
    """(fields read, weighted, resolution in minutes, counts) per group of rollups that read
    the same fields the same way at the same time resolution, so each day is grouped once
    per such set rather than once per rollup (and hourly rollups are not grouped per
    quarter hour because quarter-hour ones exist).
    """
    stored_time = (lambda value: value) if plan.dialect == "postgresql" else sqlite_value
    grouped: dict[tuple, list[Rollup]] = {}
    for rollup in plan.rollups:
        resolution = rollup.grain.resolution_minutes
        weighted = rollup.measure is Measure.EVENTS or rollup.grain.column in (
            "hour", "quarter_hour")
        grouped.setdefault((fields_read((rollup,)), weighted, resolution), []).append(rollup)
    return [(fields, weighted, resolution, RollupCounts(tuple(rollups), stored_time))
            for (fields, weighted, resolution), rollups in grouped.items()]


def generate(plan: LoadPlan, deliver) -> None:
    """Generate the plan's events day by day in time order: deliver (count, payload) per
    day, ready for the dialect's writer, then (0, [(table, rows), ...]) with every rollup's
    rows in key order.
    """
    rng = random.Random()
    rng.setstate(plan.rng_state)
    encode = postgres_lines if plan.dialect == "postgresql" else sqlite_rows
    counters = rollup_counters(plan)
    serial = 0
    for day, count in zip(plan.days, plan.counts, strict=True):
        day_batch = DayBatch(day, count, list(plan.users), rng, plan.run, serial,
                             plan.project_ids)
        serial += count
        for fields, weighted, resolution, counts in counters:
            day_batch.add_to(counts, fields, weighted, resolution)
        deliver((count, encode(day_batch)))
    deliver((0, [(rollup.table, counts.rows(rollup))
                 for *_, counts in counters for rollup in counts.rollups]))


def produce(plan: LoadPlan, outbox) -> None:
    """The producer process: generate into a bounded queue (None after a failure)."""
    try:
        generate(plan, outbox.put)
    except BaseException:
        outbox.put(None)
        raise


def produced(plan: LoadPlan):
    """The plan's deliveries, generated in a second process so that making events in
    Python overlaps writing them (the database work stays in this process).
    """
    context = multiprocessing.get_context("spawn")
    # A few days ahead at most: each holds a day of rows in memory.
    outbox = context.Queue(maxsize=4)
    producer = context.Process(target=produce, args=(plan, outbox), daemon=True)
    producer.start()
    try:
        while True:
            try:
                item = outbox.get(timeout=5)
            except queue.Empty:
                if not producer.is_alive():
                    raise RuntimeError("the event generator stopped unexpectedly") from None
                continue
            if item is None:
                raise RuntimeError("the event generator failed (its error is above)")
            yield item
            if item[0] == 0:
                return
    finally:
        if producer.is_alive():
            producer.terminate()
        producer.join()
