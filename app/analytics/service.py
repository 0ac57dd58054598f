"""Analytics answers: queries composed into responses, behind a generation-keyed cache.

Every successful ingest bumps a generation counter (shared through Redis when configured)
and cache keys include it, so a cached answer never hides an acknowledged event. Without
Redis each app (in production, each process) has its own counter in app.extensions, and
cached entries live only about a second, so another worker's ingest shows up within that
second; the live stream's table watcher also bumps the counter when it finds such events.
"""

import threading
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta

from flask import Flask, current_app

from app.analytics.budget import check_filtered_read, check_raw_read, people_countable
from app.analytics.data import events as event_data
from app.analytics.data import rollup_counts
from app.analytics.periods import (
    Filters,
    bucket_seconds_for,
    days_in_range,
    fold_counts,
    local_midnight,
    zero_filled,
)
from app.analytics.ranges import MAX_RANGE, span_to_whole_months
from app.cursors import encode_cursor
from app.extensions import cache, db, per_app
from app.metrics import record_cache_lookup
from app.redis_client import REDIS_ERRORS, WarnOnce, redis_client
from app.signals import events_stored, people_changed

GENERATION_KEY = "ouroboard:analytics:generation"
cache_warning = WarnOnce("analytics cache unavailable, answering from the database")
generation_warning = WarnOnce("shared cache generation unavailable, using this process's")

GENERATION_EXTENSION_KEY = "ouroboard.analytics.generation"


class LocalGeneration:
    """This app's own generation counter, used when Redis is not configured or down."""

    def __init__(self):
        self.value = 0
        self.lock = threading.Lock()

    def bump(self) -> None:
        """Move on to the next generation."""
        with self.lock:
            self.value += 1


def local_generation(app: Flask) -> LocalGeneration:
    """Return the app's generation counter, created on first use.

    One per app, not per process, so two apps in one process (tests) never share it.
    """
    return per_app(app, GENERATION_EXTENSION_KEY, LocalGeneration)


def bump_generation(app: Flask, **_kwargs) -> None:
    """Invalidate every cached answer: called after each commit that stored events."""
    local_generation(app).bump()
    client = redis_client(app)
    if client is None:
        return
    try:
        client.incr(GENERATION_KEY)
        generation_warning.recovered()
    except REDIS_ERRORS as exc:
        generation_warning.failed(exc)


def current_generation() -> str:
    """The generation cached answers are keyed by."""
    client = redis_client()
    if client is not None:
        try:
            shared = client.get(GENERATION_KEY)
            generation_warning.recovered()
            return f"r{int(shared or 0)}"
        except REDIS_ERRORS as exc:
            generation_warning.failed(exc)
    return f"l{local_generation(current_app).value}"


def cached_answer(kind: str, key: str, compute: Callable[[], dict]) -> tuple[dict, bool]:
    """(answer, was_cached). Cache failures fall back to computing from the database."""
    cache_key = f"analytics:{kind}:{current_generation()}:{key}"
    try:
        hit = cache.get(cache_key)
        cache_warning.recovered()
    except REDIS_ERRORS as exc:
        cache_warning.failed(exc)
        return compute(), False
    record_cache_lookup(hit is not None)
    if hit is not None:
        return hit, True
    answer = compute()
    try:
        cache.set(cache_key, answer)
    except REDIS_ERRORS as exc:
        cache_warning.failed(exc)
    return answer, False


def resolved_range(filters: Filters) -> Filters | None:
    """Close an open range before any work; None when nothing matches at all.

    An open end is filled from the data, snapped to whole local days so the first and last
    days are complete. The schemas hold a closed range to MAX_RANGE; an open one is held to
    it here by pulling in its open side (the start when both are open, so the newest data
    stays in view).

    Counts with these filters may read the range widened to whole UTC months where it
    reaches past the data (count_span): there is nothing more to count there, and an 'All'
    summary then reads the monthly rollups alone, not the days and hours of its edges. (An
    event stored between finding the data's edges and counting, and dated past them, is
    then counted; every answer races concurrent ingests in some such way.)
    """
    if filters.start is not None and filters.end is not None:
        return filters
    first, last = event_data.data_range(filters)
    if first is None:
        return None
    tz = filters.tz
    start = filters.start or local_midnight(first.astimezone(tz).date(), tz)
    end = filters.end or local_midnight(last.astimezone(tz).date() + timedelta(days=1), tz)
    if end - start > MAX_RANGE:
        if filters.start is None:
            earliest = end - MAX_RANGE
            start = local_midnight(earliest.astimezone(tz).date(), tz)
            if start < earliest:
                start = local_midnight(earliest.astimezone(tz).date() + timedelta(days=1), tz)
        else:
            end = local_midnight((start + MAX_RANGE).astimezone(tz).date(), tz)
    if end <= start:  # an open range on the far side of all the data
        return None
    return replace(filters.with_range(start, end),
                   count_span=span_to_whole_months(start, end, first, last))


def daily_series(filters: Filters) -> list[tuple[str, int]]:
    """Events per local day over the filters' range, zero-filled."""
    if filters.start is None or filters.end is None:
        return []
    bucket_seconds = bucket_seconds_for(filters.tz, filters.start, filters.end)
    return zero_filled(filters.start, filters.end, filters.tz, "day",
                       rollup_counts.counts_per_bucket(filters, bucket_seconds, days_only=True))


def feature_usage(filters: Filters) -> tuple[dict, bool]:
    """The original challenge's contract: bars per feature, and a daily line of one
    feature or of all.
    """

    def compute() -> dict:
        ranged = resolved_range(filters)
        if ranged is None:
            return {"barChartData": [], "lineChartData": []}
        check_filtered_read(ranged)
        bars = rollup_counts.feature_counts(ranged)
        line = daily_series(ranged)
        return {"barChartData": [{"feature": name, "count": count} for name, count in bars],
                "lineChartData": [{"date": day, "count": count} for day, count in line]}

    return cached_answer("feature-usage", filters.cache_key(), compute)


def figures(filters: Filters) -> dict:
    """The summary cards for one period."""
    totals = rollup_counts.totals(filters, count_people=people_countable(filters))
    top = totals["top"]
    days = days_in_range(filters.start, filters.end, filters.tz) \
        if filters.start is not None and filters.end is not None else 1
    return {
        "totalEvents": totals["events"],
        "uniqueUsers": totals["people"],
        "topFeature": {"name": top[0], "count": top[1]} if top else None,
        "dailyAverage": round(totals["events"] / days, 2),
        "featuresTracked": totals["features"],
    }


def percent_change(current: float | None, previous: float | None) -> float | None:
    """Change in percent, or None when there is nothing to compare against."""
    if not previous or current is None:
        return None
    return round(((current or 0) - previous) / previous * 100, 1)


def summary(filters: Filters) -> dict:
    """Summary cards with the previous period of equal length and the change against it."""

    def compute() -> dict:
        ranged = resolved_range(filters)
        if ranged is None:
            empty = {"totalEvents": 0, "uniqueUsers": 0, "topFeature": None,
                     "dailyAverage": 0.0, "featuresTracked": 0}
            return {**empty, "previous": empty, "change": dict.fromkeys(empty),
                    "startDate": None, "endDate": None}
        check_filtered_read(ranged, with_previous=True)
        now, before = figures(ranged), figures(ranged.previous())
        change = {name: percent_change(now[name], before[name])
                  for name in ("totalEvents", "uniqueUsers", "dailyAverage", "featuresTracked")}
        change["topFeature"] = percent_change(
            now["topFeature"]["count"] if now["topFeature"] else 0,
            before["topFeature"]["count"] if before["topFeature"] else 0)
        return {**now, "previous": before, "change": change,
                "startDate": ranged.start.astimezone(ranged.tz).date().isoformat(),
                "endDate": (ranged.end - timedelta(microseconds=1))
                .astimezone(ranged.tz).date().isoformat()}

    answer, was_cached = cached_answer("summary", filters.cache_key(), compute)
    return {**answer, "cached": was_cached}


def series(filters: Filters, granularity: str) -> list[dict]:
    """Zero-filled counts per local bucket."""
    bucket_seconds = bucket_seconds_for(filters.tz, filters.start, filters.end)
    return [{"t": t, "count": count} for t, count in zero_filled(
        filters.start, filters.end, filters.tz, granularity,
        rollup_counts.counts_per_bucket(filters, bucket_seconds,
                                  days_only=granularity != "hour"))]


def timeseries(filters: Filters, granularity: str, compare: str | None) -> dict:
    """The trend line, optionally with the previous period aligned bucket by bucket."""

    def compute() -> dict:
        ranged = resolved_range(filters)
        if ranged is None:
            return {"granularity": granularity, "series": [],
                    "previous": [] if compare else None}
        check_filtered_read(ranged, with_previous=bool(compare))
        return {"granularity": granularity, "series": series(ranged, granularity),
                "previous": series(ranged.previous(), granularity) if compare else None}

    answer, was_cached = cached_answer(f"timeseries:{granularity}:{compare}",
                                       filters.cache_key(), compute)
    return {**answer, "cached": was_cached}


def breakdown(filters: Filters, by: str, limit: int) -> dict:
    """Top values of a dimension with events and unique users."""

    def compute() -> dict:
        ranged = resolved_range(filters)
        if ranged and (by not in rollup_counts.ROLLUP_BREAKDOWNS or ranged.raw_filtered):
            check_raw_read(ranged, f"A breakdown by {by}")
        rows = rollup_counts.breakdown(ranged, by, limit, count_people=people_countable(ranged)) \
            if ranged else []
        return {"by": by, "items": [{"value": value, "count": count, "uniqueUsers": people}
                                    for value, count, people in rows]}

    answer, was_cached = cached_answer(f"breakdown:{by}:{limit}", filters.cache_key(), compute)
    return {**answer, "cached": was_cached}


def top_pages(filters: Filters, limit: int) -> dict:
    """Most viewed pages."""

    def compute() -> dict:
        ranged = resolved_range(filters)
        if ranged and filters.feature in (None, event_data.PAGE_VIEW):
            check_raw_read(replace(ranged, feature=event_data.PAGE_VIEW), "Top pages")
        rows = event_data.top_pages(ranged, limit) if ranged else []
        return {"pages": [{"pageUrl": url, "views": views, "uniqueUsers": people}
                          for url, views, people in rows]}

    answer, was_cached = cached_answer(f"top-pages:{limit}", filters.cache_key(), compute)
    return {**answer, "cached": was_cached}


def daily_feature_rows(filters: Filters) -> list[tuple[str, str, int]]:
    """(local day, feature, count) rows for the daily CSV export."""
    ranged = resolved_range(filters)
    if ranged is None:
        return []
    check_raw_read(ranged, "The daily export")
    bucket_seconds = bucket_seconds_for(ranged.tz, ranged.start, ranged.end)
    per_feature: dict[str, list[tuple[int, int]]] = {}
    for bucket, name, count in event_data.feature_counts_per_bucket(ranged, bucket_seconds):
        per_feature.setdefault(name, []).append((bucket, count))
    rows = []
    for name, counts in per_feature.items():
        for day, count in fold_counts(counts, ranged.tz, "day").items():
            rows.append((day, name, count))
    return sorted(rows)


def recent(filters: Filters, limit: int, before: tuple[datetime, int] | None, *,
           show_people: bool = True) -> dict:
    """A page of the newest events and the cursor for the next one (never cached).

    Without `show_people` (a public share link) nothing about the person is given: no user,
    username, anonymous id, age group, gender or properties (which may hold an email), and
    page URLs lose their query string and fragment.
    """
    rows = event_data.recent_events(filters, limit + 1, before)
    page, more = rows[:limit], len(rows) > limit
    return {
        "events": [{
            "id": row.id, "uuid": row.uuid, "name": row.name,
            "pageUrl": row.page_url if show_people else page_without_query(row.page_url),
            "timestamp": row.occurred_at.isoformat(),
            "userId": row.user_id if show_people else None,
            "username": row.username if show_people else None,
            "anonymousId": row.anonymous_id if show_people else None,
            "ageGroup": row.age_group if show_people else None,
            "gender": row.gender if show_people else None,
            "properties": row.properties if show_people else None,
        } for row in page],
        "nextCursor": encode_cursor(page[-1].occurred_at, page[-1].id) if more else None,
    }


def page_without_query(page_url: str | None) -> str | None:
    """The URL without its query string and fragment (where personal data tends to sit)."""
    if page_url is None:
        return None
    return page_url.split("#", 1)[0].split("?", 1)[0]


def summary_total(filters: Filters) -> int:
    """Events matching the filters, for the live stream (cached per generation)."""
    answer, _ = cached_answer("total", filters.cache_key(),
                              lambda: {"total": rollup_counts.event_count(filters)})
    return answer["total"]


def stream_total(filters: Filters) -> Callable[[], int]:
    """Return how a live stream reads its fresh total: cached per generation, and ending
    the read transaction each time, since streams stay open for minutes. A website or
    person filter recounts raw events on each change, so its range must fit the raw-read budget.
    """
    if filters.raw_filtered and (ranged := resolved_range(filters)) is not None:
        check_filtered_read(ranged)

    def fresh_total() -> int:
        total = summary_total(filters)
        db.session.remove()
        return total

    return fresh_total


def on_events_stored(app: Flask, events: list[dict], **_kwargs) -> None:
    """After each ingest commit: invalidate cached answers, then tell live streams."""
    from app.analytics.live import hub_for

    bump_generation(app)
    hub_for(app).publish([(event["id"], event["project_id"], event["name"])
                          for event in events])


def on_people_changed(app: Flask, **_kwargs) -> None:
    """After an identify: answers by age group, gender or trait may count differently."""
    bump_generation(app)


def register_listeners(app: Flask) -> None:
    """Subscribe this app to ingestion's events_stored and people_changed signals."""
    events_stored.connect(on_events_stored, sender=app, weak=False)
    people_changed.connect(on_people_changed, sender=app, weak=False)
