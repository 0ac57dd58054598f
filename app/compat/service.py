"""What the dialects answer: the ingest command and the analytics service, reshaped into
each seed system's names. No SQL and no request here: the views pass in what they read.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from app.analytics import service as analytics
from app.analytics.periods import Filters
from app.auth.sessions import SessionUser
from app.track.command import IngestResult, ingest
from app.track.keys import ActiveKey
from app.track.sender import Sender
from app.track.validation import EventBatch
from app.web.client import ClientInfo

UTC = ZoneInfo("UTC")

# realtime's page view, stored under our name so website analytics and top pages count it.
REALTIME_PAGE_VIEW = "PAGE_VIEW"
PAGE_VIEW = "page_view"
# realtime's ranges: (length, bucket).
REALTIME_RANGES = {"24h": (timedelta(hours=24), "hour"), "7d": (timedelta(days=7), "day"),
                   "30d": (timedelta(days=30), "day")}


@dataclass(frozen=True)
class ProjectSender(Sender):
    """A signed-in user sending to the project a dialect's slug names (checked by the
    caller), where /api/v1/track always sends to the self-tracking project.
    """

    target_project_id: int = 0

    @property
    def project_id(self) -> int:
        """The slug's project."""
        return self.target_project_id


def project_filters(project_id: int, start: datetime | None = None,
                    end: datetime | None = None, **filters) -> Filters:
    """UTC filters scoped to the project (every query and cache key carries it)."""
    return Filters(start=start, end=end, tz=UTC, project_id=project_id, **filters)


def track_click(feature_name: str, user: SessionUser, project_id: int, client: ClientInfo
                ) -> IngestResult:
    """Record one feature click by `user` in the project, exactly as /api/v1/track does."""
    batch = EventBatch(raw_events=[{"name": feature_name}], sent_at=None, single=True)
    return ingest(batch, ProjectSender(user=user, target_project_id=project_id), client)


def stored_name(event_type: str) -> str:
    """The event name a realtime event_type is stored under."""
    return PAGE_VIEW if event_type.upper() == REALTIME_PAGE_VIEW else event_type


def shown_type(name: str) -> str:
    """The event_type realtime shows for a stored event name."""
    return REALTIME_PAGE_VIEW if name == PAGE_VIEW else name


def record_realtime_event(event: dict, key: ActiveKey, client: ClientInfo) -> IngestResult:
    """Store realtime's event with the key's sender: event_type as the name, user_id as the
    person (anonymous_id), metadata as the properties.
    """
    timestamp = event["timestamp"]
    raw = {"name": stored_name(event["event_type"]), "anonymous_id": event["user_id"],
           "session_id": event["session_id"], "page_url": event["page_url"],
           "properties": event["metadata"],
           "timestamp": timestamp.isoformat() if timestamp else None}
    batch = EventBatch(raw_events=[raw], sent_at=None, single=True)
    return ingest(batch, Sender(key=key), client)


def charts(project_id: int, filters: dict) -> tuple[dict, bool]:
    """Insightloop's bar and line charts, from the feature bars and the daily trend."""
    answer, was_cached = analytics.feature_usage(project_filters(project_id, **filters))
    return {"barChart": {bar["feature"]: bar["count"] for bar in answer["barChartData"]},
            "lineChart": {point["date"]: point["count"] for point in answer["lineChartData"]}
            }, was_cached


def totals_by_type(filters: Filters) -> tuple[int, int, dict[str, int], bool]:
    """(events, unique people, events per name, all from the cache) for the filters."""
    summary = analytics.summary(filters)
    usage, usage_cached = analytics.feature_usage(filters)
    by_name = {bar["feature"]: bar["count"] for bar in usage["barChartData"]}
    return (summary["totalEvents"], summary["uniqueUsers"] or 0, by_name,
            summary["cached"] and usage_cached)


def module_summary(project_id: int, start: datetime, end: datetime) -> dict:
    """analytics-module's summary of [start, end)."""
    events, people, by_name, cached = totals_by_type(project_filters(project_id, start, end))
    return {"data": {"totalEvents": events, "uniqueUsers": people, "eventsByType": by_name},
            "cached": cached}


def realtime_range(range_name: str | None, now: datetime) -> tuple[datetime | None,
                                                                     datetime | None, str]:
    """(start, end, bucket) of a realtime range ending with the current hour or day; no
    range is all time.
    """
    if range_name is None:
        return None, None, "day"
    length, bucket = REALTIME_RANGES[range_name]
    unit = timedelta(hours=1) if bucket == "hour" else timedelta(days=1)
    floor = now.replace(minute=0, second=0, microsecond=0)
    if bucket == "day":
        floor = floor.replace(hour=0)
    end = floor + unit
    return end - length, end, bucket


def realtime_summary(project_id: int, range_name: str | None, now: datetime) -> dict:
    """Realtime's totals over the range (all time without one)."""
    start, end, _ = realtime_range(range_name, now)
    events, people, by_name, cached = totals_by_type(project_filters(project_id, start, end))
    return {"total_events": events, "unique_users": people, "cached": cached,
            "events_by_type": {shown_type(name): count for name, count in by_name.items()}}


def realtime_top_pages(project_id: int, range_name: str | None, limit: int,
                       now: datetime) -> dict:
    """Realtime's most viewed pages over the range."""
    start, end, _ = realtime_range(range_name, now)
    answer = analytics.top_pages(project_filters(project_id, start, end), limit)
    return {"pages": [{"page_url": page["pageUrl"], "views": page["views"],
                       "unique_users": page["uniqueUsers"]} for page in answer["pages"]],
            "cached": answer["cached"]}


def realtime_timeseries(project_id: int, range_name: str, now: datetime) -> dict:
    """Realtime's series: hourly over 24h, daily over 7d and 30d."""
    start, end, bucket = realtime_range(range_name, now)
    answer = analytics.timeseries(project_filters(project_id, start, end), bucket, None)
    return {"range": range_name, "interval": bucket, "cached": answer["cached"],
            "data": [{"timestamp": point["t"], "count": point["count"]}
                     for point in answer["series"]]}


def realtime_recent(project_id: int, limit: int, show_people: bool) -> dict:
    """Realtime's newest events."""
    answer = analytics.recent(project_filters(project_id), limit, None, show_people=show_people)
    return {"events": [{
        "id": event["id"], "event_type": shown_type(event["name"]),
        "user_id": event["anonymousId"] or (str(event["userId"]) if event["userId"] else None),
        "page_url": event["pageUrl"], "metadata": event["properties"],
        "created_at": event["timestamp"]} for event in answer["events"]]}
