"""Recounting a project's web rollups, visitor days and visitor hours in SQL from its
events and visits: for loaders that write those directly, and as the independent count
the ingest tests compare with. Table and column names are our constants; every value is
bound.
"""

from sqlalchemy import delete, text

from app.extensions import db
from app.sql_seconds import epoch_seconds_sql
from app.web.data import dialect_name
from app.web.tables import (
    MEASURES,
    VISIT_DIMENSIONS,
    visitor_day_pairs,
    visitor_days,
    visitor_hours,
    web_daily,
    web_hourly,
    web_monthly,
)


def hour_sql(column: str, dialect: str) -> str:
    """The UTC hour of a timestamp column, in SQL, as UTCDateTime stores it."""
    if dialect == "postgresql":
        return f"date_trunc('hour', {column} AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'"
    return f"strftime('%Y-%m-%d %H:00:00.000000', {column})"


def day_sql(column: str, dialect: str) -> str:
    """The UTC day of a timestamp column, in SQL."""
    if dialect == "postgresql":
        return f"CAST({column} AT TIME ZONE 'UTC' AS date)"
    return f"date({column})"


def month_sql(column: str, dialect: str) -> str:
    """The UTC month (its first day) of a timestamp column, in SQL."""
    if dialect == "postgresql":
        return f"CAST(date_trunc('month', {column} AT TIME ZONE 'UTC') AS date)"
    return f"date({column}, 'start of month')"


def dimension_sql(name: str) -> str:
    """A visit dimension's rollup value over the visits table."""
    if name == "browser_version":
        return ("CASE WHEN browser IS NOT NULL AND browser_version IS NOT NULL "
                "THEN browser || ' ' || browser_version ELSE '' END")
    return f"COALESCE({VISIT_DIMENSIONS[name]}, '')"


def rebuild_web(project_id: int) -> None:
    """Recount a project's web rollups and visitor days from its events and visits (for
    loaders that write those directly). No commit: the caller's transaction.
    """
    dialect = dialect_name()
    for table in (web_hourly, web_daily, web_monthly, visitor_days, visitor_hours,
                  visitor_day_pairs):
        db.session.execute(delete(table).where(table.c.project_id == project_id))
    duration = (f"{epoch_seconds_sql('ended_at', dialect)} - "
                f"{epoch_seconds_sql('started_at', dialect)}")
    visit_measures = ("COUNT(*), SUM(pageviews), "
                      "SUM(CASE WHEN pageviews = 1 AND events = 1 THEN 1 ELSE 0 END), "
                      f"SUM({duration}), SUM(events)")
    human = "visitor_id IS NOT NULL AND NOT is_bot"
    pageview = "SUM(CASE WHEN name = 'page_view' THEN 1 ELSE 0 END)"
    for table, kind, period in (("web_rollup_hourly", "hour", hour_sql),
                                ("web_rollup_daily", "day", day_sql),
                                ("web_rollup_monthly", "month", month_sql)):
        columns = f"project_id, {kind}, dimension, value, {', '.join(MEASURES)}"
        selects = [(f"'{name}'", dimension_sql(name)) for name in VISIT_DIMENSIONS]
        for label, value in [("''", "''"), *selects]:
            # Dimension rows count visits only; the totals row has every measure.
            measures = visit_measures if label == "''" else "COUNT(*), 0, 0, 0, 0"
            db.session.execute(text(
                f"INSERT INTO {table} ({columns}) "  # noqa: S608 - constants
                f"SELECT project_id, {period('started_at', dialect)}, {label}, {value}, "
                f"{measures} FROM visits WHERE project_id = :project "
                f"GROUP BY project_id, 2, 4"), {"project": project_id})
        event_period = period("occurred_at", dialect)
        with_page = f"{human} AND pathname IS NOT NULL"
        for label, value, condition in (("'*'", "''", human),
                                        ("'page'", "pathname", with_page)):
            db.session.execute(text(
                f"INSERT INTO {table} ({columns}) "  # noqa: S608 - constants
                f"SELECT project_id, {event_period}, {label}, {value}, 0, {pageview}, 0, 0, "
                f"COUNT(*) FROM events WHERE project_id = :project AND {condition} "
                f"GROUP BY project_id, 2, 4"), {"project": project_id})
        db.session.execute(text(
            f"INSERT INTO {table} ({columns}) "  # noqa: S608 - constants
            f"SELECT project_id, {event_period}, 'bots', '', 0, 0, 0, 0, COUNT(*) "
            f"FROM events WHERE project_id = :project AND is_bot GROUP BY project_id, 2"),
            {"project": project_id})
    none = ("CAST('1970-01-01' AS date)" if dialect == "postgresql" else "'1970-01-01'")
    db.session.execute(text(
        "INSERT INTO visitor_days (project_id, visitor_id, day, prev_day) "  # noqa: S608
        f"SELECT :project, visitor_id, day, COALESCE(LAG(day) OVER ("
        f"PARTITION BY visitor_id ORDER BY day), {none}) FROM ("
        f"SELECT DISTINCT visitor_id, {day_sql('occurred_at', dialect)} AS day FROM events "
        f"WHERE project_id = :project AND {human}) AS days"), {"project": project_id})
    db.session.execute(text(
        "INSERT INTO visitor_hours (project_id, hour, visitor_id) "  # noqa: S608 - constants
        f"SELECT DISTINCT :project, {hour_sql('occurred_at', dialect)}, visitor_id FROM events "
        f"WHERE project_id = :project AND {human}"), {"project": project_id})
    db.session.execute(text(
        "INSERT INTO visitor_day_pairs (project_id, day, prev_day, visitors) "
        "SELECT project_id, day, prev_day, COUNT(*) FROM visitor_days "
        "WHERE project_id = :project GROUP BY project_id, day, prev_day"),
        {"project": project_id})

