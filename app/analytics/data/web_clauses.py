"""The website filters as SQL: on raw events, on visits, and the values breakdowns group by.

A missing value is NULL (or "") in events and visits and "" in the web rollups, so every
value read here is coalesced to "" and the API turns "" back into null.
"""

from datetime import datetime

from sqlalchemy import (
    and_,
    case,
    exists,
    false,
    func,
    literal_column,
    select,
)
from sqlalchemy.sql.expression import ColumnElement

from app.analytics.data.person_clauses import person_conditions
from app.analytics.periods import Filters
from app.extensions import db
from app.models import Event, Visit
from app.sql_seconds import epoch_seconds
from app.web.tables import VISIT_DIMENSIONS

events = Event.__table__
visits = Visit.__table__

PAGE_VIEW = "page_view"
# Inlined, not bound: Postgres accepts a GROUP BY expression in SELECT and ORDER BY only
# when it reads the same, and each bound "" would be a parameter of its own.
EMPTY = literal_column("''")
# The events column each event-level filter matches; entry and exit pages are the event's
# visit's, and browser_version is "<browser> <major>" on both tables.
EVENT_FILTER_COLUMNS = {name: column for name, column in VISIT_DIMENSIONS.items()
                        if name not in ("entry_page", "exit_page", "browser_version")}
EVENT_FILTER_COLUMNS["page"] = "pathname"
# Filters a visit matches through its events in the range, not through its own columns.
EVENTS_OF_VISIT_FILTERS = ("page",)


def browser_version_of(table) -> ColumnElement:
    """'<browser> <major>' as the web rollups key it; '' unless both are known."""
    return case((and_(func.coalesce(table.c.browser, EMPTY) != EMPTY,
                      func.coalesce(table.c.browser_version, EMPTY) != EMPTY),
                 table.c.browser + literal_column("' '") + table.c.browser_version),
                else_=EMPTY)


def event_value(name: str) -> ColumnElement:
    """An event's value of a filter or breakdown (not entry or exit page), "" for none."""
    if name == "browser_version":
        return browser_version_of(events)
    return func.coalesce(events.c[EVENT_FILTER_COLUMNS[name]], EMPTY)


def visit_value(name: str) -> ColumnElement:
    """A visit's value of a visit dimension, "" for none."""
    if name == "browser_version":
        return browser_version_of(visits)
    return func.coalesce(visits.c[VISIT_DIMENSIONS[name]], EMPTY)


def matching(value_of: ColumnElement, value: str | None) -> ColumnElement:
    """The value equals the filter's (or is missing, for None)."""
    return value_of == (EMPTY if value is None else value)


def human_events() -> list[ColumnElement]:
    """Events of people: the web figures also leave out events stored without a visitor
    (sent before enrichment existed, or with it off), as the web rollups do.
    """
    return [events.c.is_bot == false(), events.c.visitor_id.is_not(None)]


def event_web_conditions(filters: Filters) -> list[ColumnElement]:
    """Never a bot, and each website filter on the event's own columns, or its visit's
    entry and exit page (looked up by the visits primary key).
    """
    clauses: list[ColumnElement] = [events.c.is_bot == false()]
    for name, value in filters.web:
        if name in ("entry_page", "exit_page"):
            clauses.append(exists().where(visits.c.project_id == events.c.project_id,
                                          visits.c.visit_id == events.c.visit_id,
                                          matching(visit_value(name), value)))
        else:
            clauses.append(matching(event_value(name), value))
    return clauses


def events_in(project_id: int, start: datetime, end: datetime) -> list[ColumnElement]:
    """Human events of one project in [start, end)."""
    return [events.c.project_id == project_id, events.c.occurred_at >= start,
            events.c.occurred_at < end, *human_events()]


def event_level_conditions(filters: Filters) -> list[ColumnElement]:
    """What one of a visit's events must match for the visit to count: the page (viewed,
    unless a feature says which event on it), the feature, age group, gender and person.
    """
    clauses: list[ColumnElement] = []
    page = dict(filters.web)
    if "page" in page:
        clauses.append(matching(event_value("page"), page["page"]))
        if not filters.feature:
            clauses.append(events.c.name == PAGE_VIEW)
    if filters.feature:
        clauses.append(events.c.name == filters.feature)
    if filters.age_group:
        clauses.append(events.c.age_group == filters.age_group)
    if filters.gender:
        clauses.append(events.c.gender == filters.gender)
    return clauses + person_conditions(filters)


def visit_conditions(filters: Filters, start: datetime, end: datetime
                     ) -> list[ColumnElement]:
    """Visits of the project started in [start, end) matching the filters: visit
    dimensions on the visit's own columns; the page, feature, age group, gender and person
    through an event of the visit in the range that matches them all.
    """
    clauses: list[ColumnElement] = [visits.c.project_id == filters.project_id,
                                    visits.c.started_at >= start, visits.c.started_at < end]
    clauses += [matching(visit_value(name), value) for name, value in filters.web
                if name not in EVENTS_OF_VISIT_FILTERS]
    through_events = event_level_conditions(filters)
    if through_events:
        clauses.append(visits.c.visit_id.in_(
            select(events.c.visit_id).where(*events_in(filters.project_id, start, end),
                                            *through_events)))
    return clauses


def bounce() -> ColumnElement:
    """1 for a visit of one page view and nothing else, else 0."""
    return case((and_(visits.c.pageviews == 1, visits.c.events == 1), 1), else_=0)


def visit_seconds() -> ColumnElement:
    """A visit's duration as the web rollups count it: whole seconds of its end minus whole
    seconds of its start.
    """
    return epoch_seconds(visits.c.ended_at) - epoch_seconds(visits.c.started_at)


def sortable(value: ColumnElement) -> ColumnElement:
    """The value compared byte by byte (code point order) on both backends, so ties at a
    breakdown's limit fall the same way everywhere.
    """
    if db.session.get_bind().dialect.name == "postgresql":
        return value.collate("C")
    return value

