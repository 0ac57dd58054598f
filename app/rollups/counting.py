"""Rollup increments counted in Python, keyed as the definition says.

Ingestion on SQLite counts each batch here (one pass in Python, then one upsert per key,
cheaper than SQL scans that evaluate date functions per row), and the bulk loader counts
millions of generated events the same way.
"""

from collections import Counter
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime
from operator import itemgetter

from app.models import sqlite_value
from app.rollups import definition
from app.rollups.definition import EventRow, Measure, Rollup


def key_getter(columns: tuple[str, ...]) -> Callable[[dict], tuple]:
    """A function picking `columns` out of a dict of key parts, always as a tuple."""
    if len(columns) == 1:
        only = columns[0]
        return lambda parts: (parts[only],)
    return itemgetter(*columns)


class RollupCounts:
    """Increments for every rollup: a Counter per count table, a set per presence table.

    `stored_time` turns a grain's bucket (a date, or an aware datetime for hours) into the
    key the writer needs: SQLite's stored text by default, the values themselves for COPY.
    """

    def __init__(self, rollups: tuple[Rollup, ...] | None = None,
                 stored_time: Callable[[date | datetime], object] = sqlite_value):
        self.rollups = definition.ROLLUPS if rollups is None else rollups
        self.stored_time = stored_time
        self.keys: dict[str, Counter | set] = {
            rollup.table: Counter() if rollup.measure is Measure.EVENTS else set()
            for rollup in self.rollups}
        self.grains = definition.grains_of(self.rollups)
        self.dimensions = tuple((dimension.column, dimension.of)
                                for dimension in definition.dimensions_of(self.rollups))
        self.targets = tuple(
            (self.keys[rollup.table], key_getter(rollup.key_columns),
             rollup.measure is Measure.EVENTS, rollup.skips_rows)
            for rollup in self.rollups)
        self.bucket_texts: dict[tuple, dict] = {}

    def time_parts(self, moment: datetime) -> dict:
        """Every grain's key for `moment` (remembered per UTC hour: batches share hours)."""
        moment = moment.astimezone(UTC)
        hour = (moment.year, moment.month, moment.day, moment.hour)
        parts = self.bucket_texts.get(hour)
        if parts is None:
            parts = self.bucket_texts[hour] = {
                grain.column: self.stored_time(grain.floor(moment)) for grain in self.grains}
        return parts

    def add(self, row: EventRow, weight: int = 1) -> None:
        """Count one event (or `weight` identical ones) into every rollup."""
        parts = dict(self.time_parts(row["occurred_at"]))
        for column, value_of in self.dimensions:
            parts[column] = value_of(row)
        for keys, key_of, counted, may_skip in self.targets:
            key = key_of(parts)
            if may_skip and None in key:
                continue
            if counted:
                keys[key] += weight
            else:
                keys.add(key)

    def add_events(self, rows: Iterable[EventRow]) -> "RollupCounts":
        """Count every row once; return self."""
        for row in rows:
            self.add(row)
        return self

    def merge(self, other: "RollupCounts") -> None:
        """Add another batch's increments to this one."""
        for table, keys in self.keys.items():
            keys.update(other.keys[table])

    def rows(self, rollup: Rollup) -> list[tuple]:
        """The rollup's rows in key order, (*key, events) for a count, the key otherwise;
        sorted so each table's B-tree is walked forward and concurrent writers lock rows
        in the same order.
        """
        keys = self.keys[rollup.table]
        if rollup.measure is Measure.EVENTS:
            return [(*key, count) for key, count in sorted(keys.items())]
        return sorted(keys)

    def row_count(self) -> int:
        """How many rollup rows the increments touch."""
        return sum(len(keys) for keys in self.keys.values())
