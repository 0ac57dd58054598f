"""Website analytics answers: the summary cards and the breakdowns, behind the same
generation-keyed cache as every analytics answer.

Without filters the web rollups answer (app.analytics.data.web); with any filter (website,
age group, gender or feature) raw visits and events are read, within RAW_READ_MAX_EVENTS.
"""

from app.analytics.budget import check_raw_read
from app.analytics.data import web as web_data
from app.analytics.periods import Filters
from app.analytics.service import cached_answer, percent_change, resolved_range

FIGURES = ("visitors", "visits", "pageviews", "viewsPerVisit", "bounceRate", "visitDuration")
EMPTY_FIGURES = {"visitors": 0, "visits": 0, "pageviews": 0, "viewsPerVisit": 0.0,
                 "bounceRate": 0.0, "visitDuration": 0}


def reads_raw(ranged: Filters, force_raw: bool) -> bool:
    """Whether raw visits and events answer (any filter, or asked to, as tests do)."""
    return force_raw or not ranged.rollup_readable


def check_read(ranged: Filters, *periods: Filters) -> None:
    """Refuse a filtered answer whose raw reads would pass RAW_READ_MAX_EVENTS."""
    if ranged.rollup_readable:
        return
    for period in periods:
        check_raw_read(period, "Website figures with a filter")


def figures(ranged: Filters, *, raw: bool) -> tuple[dict, int]:
    """The cards of one period, and its bot events (always the rollups': never filtered)."""
    visits = web_data.visit_measures(ranged, raw=raw)
    rolled_up = web_data.event_measures(ranged)
    events = web_data.raw_event_measures(ranged) if raw else {
        "pageviews": rolled_up["pageviews"], "visitors": web_data.visitor_count(ranged)}
    count = visits["visits"]
    return {
        "visitors": events["visitors"],
        "visits": count,
        "pageviews": events["pageviews"],
        "viewsPerVisit": round(visits["pageviews"] / count, 2) if count else 0.0,
        "bounceRate": round(visits["bounces"] / count * 100, 1) if count else 0.0,
        "visitDuration": round(visits["duration"] / count) if count else 0,
    }, rolled_up["bots"]


def summary(filters: Filters, *, force_raw: bool = False) -> dict:
    """Visitors, visits, page views, views per visit, bounce rate and visit duration of the
    range and of the period of equal length before it, the change, and the bot events.
    """

    def compute() -> dict:
        web_traffic = web_data.has_page_views(filters.project_id)
        ranged = resolved_range(filters)
        if ranged is None:
            return {"current": EMPTY_FIGURES, "previous": EMPTY_FIGURES,
                    "change": dict.fromkeys(FIGURES), "botEvents": 0,
                    "webTraffic": web_traffic}
        before = ranged.previous()
        check_read(ranged, ranged, before)
        raw = reads_raw(ranged, force_raw)
        now, bots = figures(ranged, raw=raw)
        previous, _ = figures(before, raw=raw)
        return {"current": now, "previous": previous,
                "change": {name: percent_change(now[name], previous[name])
                           for name in FIGURES},
                "botEvents": bots, "webTraffic": web_traffic}

    if force_raw:
        return {**compute(), "cached": False}
    answer, was_cached = cached_answer("web-summary", filters.cache_key(), compute)
    return {**answer, "cached": was_cached}


def breakdown(filters: Filters, by: str, limit: int, *, force_raw: bool = False) -> dict:
    """The top values of a visit dimension by visits, or pages by page views, each with
    its share of the total.
    """

    def compute() -> dict:
        metric = "pageviews" if by == "page" else "visits"
        ranged = resolved_range(filters)
        if ranged is None:
            return {"by": by, "metric": metric, "rows": [], "total": 0}
        check_read(ranged, ranged)
        rows, total = web_data.breakdown(ranged, by, limit, raw=reads_raw(ranged, force_raw))
        return {"by": by, "metric": metric, "total": total, "rows": [
            {"value": value or None, "count": count,
             "percentage": round(count / total * 100, 1) if total else 0.0,
             "visitors": visitors}
            for value, count, visitors in rows]}

    if force_raw:
        return {**compute(), "cached": False}
    answer, was_cached = cached_answer(f"web-breakdown:{by}:{limit}", filters.cache_key(),
                                       compute)
    return {**answer, "cached": was_cached}
