"""CSV export, streamed a chunk at a time so a million rows need no more memory than ten."""

import csv
import io
import json
from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta

from app.analytics.data import events as event_data
from app.analytics.periods import Filters

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
