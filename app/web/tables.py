"""The web rollups and the visitor-day tables, as SQLAlchemy Core tables in the app's
metadata. app.web.visits keeps them exact at ingest; app.analytics reads them.

web_rollup_hourly / _daily / _monthly hold, per project, UTC hour (day, month) and
(dimension, value):
- dimension "" (value ""): the visits that started then: visits, their pageviews, bounces,
  summed duration and events;
- a visit dimension (channel, referrer, utm_*, browser, browser_version, os, device,
  country, entry_page, exit_page, hostname): the number of visits with that value ("" when
  the visit has none), in `visits` (the other measures stay 0: a growing visit then
  rewrites one totals row, not sixteen);
- "page": pageviews and events per pathname, at each event's own time;
- "*" (value ""): every non-bot event and pageview, at each event's own time;
- "bots" (value ""): bot events, in `events`.

visitor_days says on which UTC days a visitor had a non-bot event, each with the
visitor's previous such day (NO_PREVIOUS_DAY for none); visitor_day_pairs counts those
rows per (day, prev_day). The visitors of whole days [D1, D2) are then exactly the rows
with D1 <= day < D2 and prev_day < D1: each visitor once, at their first day in the range.
visitor_hours lists who was active in each UTC hour, for the partial days at a range's
edges.
"""

from datetime import date

from sqlalchemy import BigInteger, Column, Date, Index, Integer, String, Table
from sqlalchemy.types import TypeEngine

from app.extensions import db
from app.models import UTCDateTime

NO_PREVIOUS_DAY = date(1970, 1, 1)

# The visit dimensions a rollup row can be keyed by, each with its visits (and events)
# column.
VISIT_DIMENSIONS = {
    "channel": "channel", "referrer": "referrer_domain", "utm_source": "utm_source",
    "utm_medium": "utm_medium", "utm_campaign": "utm_campaign", "utm_term": "utm_term",
    "utm_content": "utm_content", "browser": "browser", "browser_version": "browser_version",
    "os": "os", "device": "device_type", "country": "country", "entry_page": "entry_page",
    "exit_page": "exit_page", "hostname": "hostname",
}
MEASURES = ("visits", "pageviews", "bounces", "duration_seconds", "events")


def web_rollup(name: str, period: str, period_type: type[TypeEngine] = Date) -> Table:
    """A web rollup table keyed by project, period, dimension and value."""
    return Table(
        name, db.metadata,
        Column("project_id", Integer, primary_key=True),
        Column(period, period_type, primary_key=True),
        Column("dimension", String(24), primary_key=True),
        Column("value", String(500), primary_key=True),
        *(Column(measure, BigInteger, nullable=False) for measure in MEASURES),
    )


web_hourly = web_rollup("web_rollup_hourly", "hour", UTCDateTime)
web_daily = web_rollup("web_rollup_daily", "day")
web_monthly = web_rollup("web_rollup_monthly", "month")

visitor_days = Table(
    "visitor_days", db.metadata,
    Column("project_id", Integer, primary_key=True),
    Column("visitor_id", String(80), primary_key=True),
    Column("day", Date, primary_key=True),
    Column("prev_day", Date, nullable=False),
    # Which visitors of a range's edge days were also seen inside it, as short ranges of
    # this index instead of a lookup per edge visitor (app.analytics.data.web).
    Index("ix_visitor_days_prev_day", "project_id", "prev_day", "day", "visitor_id"),
)

# Who was active in each UTC hour: the visitors of a range's partial days at its edges.
visitor_hours = Table(
    "visitor_hours", db.metadata,
    Column("project_id", Integer, primary_key=True),
    Column("hour", UTCDateTime, primary_key=True),
    Column("visitor_id", String(80), primary_key=True),
)

visitor_day_pairs = Table(
    "visitor_day_pairs", db.metadata,
    Column("project_id", Integer, primary_key=True),
    Column("day", Date, primary_key=True),
    Column("prev_day", Date, primary_key=True),
    Column("visitors", BigInteger, nullable=False),
)

# Every per-project table of web analytics (a deleted project's rows are purged from each).
WEB_TABLES = ("visits", "web_rollup_hourly", "web_rollup_daily", "web_rollup_monthly",
              "visitor_days", "visitor_hours", "visitor_day_pairs")
