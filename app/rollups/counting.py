"""Rollup increments counted in Python, keyed as the definition says.

Ingestion on SQLite counts each batch here (one pass in Python, then one upsert per key,
cheaper than SQL scans that evaluate date functions per row), and the bulk loader counts
millions of generated events the same way.
"""

import functools
from collections import Counter
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime

from app.models import NO_VALUE, sqlite_value
from app.rollups import definition
from app.rollups.definition import EventRow, Field, FieldOrNoValue, Measure, Rollup


@functools.cache
def counting_function(rollups: tuple[Rollup, ...], weighted: bool,
                      columns: tuple[str, ...] | None = None) -> Callable:
    """A function count(rows, keys, stored_time, bucket_cache) that adds rows to `keys`
    (table -> Counter or set), generated from the definition. With `weighted`, it takes
    (row, weight) pairs, each standing for `weight` identical events. Rows are mappings of
    event fields or, with `columns`, tuples of those fields in that order.

    Generated, as namedtuple and dataclasses generate code, because ingestion counts every
    event. Per 100 events (timeit, alternating with the hand-written loop this replaced):
    a generic loop over key getters took 0.81-1.03 ms against its 0.52-0.63 ms; this one
    takes 0.27 ms against its 0.28 ms.
    """
    grains = definition.grains_of(rollups)
    dimensions = definition.dimensions_of(rollups)
    names = {"UTC": UTC, "NO_VALUE": NO_VALUE, "COLUMNS": columns}
    # Buckets are cached per UTC hour, or per finer slot when a grain needs one.
    resolution = min(grain.resolution_minutes for grain in grains)
    slot_part = f", moment.minute // {resolution}" if resolution < 60 else ""

    def field(name: str) -> str:
        return f"row[{columns.index(name)}]" if columns else f"row[{name!r}]"

    lines = ["def count(rows, keys, stored_time, bucket_cache):", "    weight = 1"]
    for index, rollup in enumerate(rollups):
        lines.append(f"    keys_{index} = keys[{rollup.table!r}]")
    lines += [
        "    for row, weight in rows:" if weighted else "    for row in rows:",
        f"        moment = {field('occurred_at')}",
        "        if moment.tzinfo is not UTC:",
        "            moment = moment.astimezone(UTC)",
        f"        slot = (moment.year, moment.month, moment.day, moment.hour{slot_part})",
        "        buckets = bucket_cache.get(slot)",
        "        if buckets is None:",
        "            buckets = bucket_cache[slot] = ("
        + "".join(f"stored_time(floor_{grain.column}(moment)), " for grain in grains) + ")",
        "        " + "".join(f"t_{grain.column}, " for grain in grains) + "= buckets",
    ]
    for grain in grains:
        names[f"floor_{grain.column}"] = grain.floor
    if columns and not all(isinstance(dimension.of, Field) for dimension in dimensions):
        lines.append("        mapping = dict(zip(COLUMNS, row))")
    for dimension in dimensions:
        value = f"d_{dimension.column}"
        if isinstance(dimension.of, Field):  # inlined: a call per event and dimension costs
            lines.append(f"        {value} = {field(dimension.of.field)}")
            if isinstance(dimension.of, FieldOrNoValue):
                lines.append(f"        if {value} is None: {value} = NO_VALUE")
        else:
            names[f"of_{dimension.column}"] = dimension.of
            source = "mapping" if columns else "row"
            lines.append(f"        {value} = of_{dimension.column}({source})")
    for index, rollup in enumerate(rollups):
        key = ", ".join(f"t_{part.column}" if part is rollup.grain else f"d_{part.column}"
                        for part in rollup.key_parts)
        indent = "        "
        nullable = [f"d_{dimension.column} is not None"
                    for dimension in rollup.dimensions if dimension.nullable]
        if nullable:
            lines.append(f"{indent}if {' and '.join(nullable)}:")
            indent += "    "
        if rollup.measure is Measure.EVENTS:
            lines.append(f"{indent}keys_{index}[({key},)] += weight")
        else:
            lines.append(f"{indent}keys_{index}.add(({key},))")
    exec("\n".join(lines), names)  # noqa: S102 - source built from our own definition
    return names["count"]


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
        self.count = counting_function(self.rollups, weighted=False)
        # Each grain's bucket per UTC hour (or quarter hour): a batch's events share a few.
        self.buckets: dict[tuple, tuple] = {}

    def add_events(self, rows: Iterable[EventRow]) -> "RollupCounts":
        """Count every row once; return self."""
        self.count(rows, self.keys, self.stored_time, self.buckets)
        return self

    def add_tuples(self, columns: tuple[str, ...], rows: Iterable, weighted: bool) -> None:
        """Count rows given as tuples of the event fields named by `columns` (the bulk
        loader's groups: no dict per row); with `weighted`, (row, weight) pairs, each
        standing for `weight` identical events.
        """
        count = counting_function(self.rollups, weighted=weighted, columns=columns)
        count(rows, self.keys, self.stored_time, self.buckets)

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
