"""How many raw events one answer may read (RAW_READ_MAX_EVENTS), checked before it reads.

Raw reads are counted from the rollups first, in milliseconds. Website and person filters
are on no event rollup, so an answer filtered by them reads every event of the range that
its other filters select: that many count against the budget.
"""

from datetime import timedelta

from flask import current_app

from app.analytics.data import rollup_counts
from app.analytics.errors import TooManyEventsToReadError
from app.analytics.periods import Filters


def check_raw_read(ranged: Filters, what: str) -> None:
    """Refuse a read of raw events past RAW_READ_MAX_EVENTS before it starts.

    Breakdowns by anything but age group and gender, top pages, the daily export and any
    answer with a website or person filter group the matching events themselves (unique people per
    value have no rollup), so their cost grows with the events in range. The answer says
    which range would fit, since "last 30 days" may fit where a year does not.
    """
    limit = current_app.config["RAW_READ_MAX_EVENTS"]
    matching = rollup_counts.event_count(ranged.without_raw_filters())
    if matching <= limit:
        return
    days = (ranged.end - ranged.start) / timedelta(days=1)
    fitting_days = max(1, int(days * limit / matching))
    read = "every matching event"
    if ranged.raw_filtered:
        kinds = " and ".join(kind for kind, given in (("website", ranged.web),
                                                      ("person", ranged.person)) if given)
        read = f"every event in the range to apply the {kinds} filters"
    raise TooManyEventsToReadError(
        f"{what} reads {read}: {matching:,} match, and at most {limit:,} are "
        f"read per request. Choose a range of about {fitting_days} days or less, or a "
        "feature, age group or gender.")


def check_filtered_read(ranged: Filters, *, with_previous: bool = False) -> None:
    """With a website or person filter, check the raw read of the range (and of the period before
    it, which summaries and compared series read too), each against the budget.
    """
    if not ranged.raw_filtered:
        return
    what = "An answer with a website filter" if ranged.web else "An answer with a person filter"
    for period in (ranged, ranged.previous()) if with_previous else (ranged,):
        check_raw_read(period, what)


def people_countable(ranged: Filters) -> bool:
    """Whether unique people can be counted within RAW_READ_MAX_EVENTS.

    The people rollups have no feature: with a feature selected, its raw events are read,
    and a feature with millions of events would hold a worker for seconds. Past the limit
    the figure is left out (null), and the dashboard says so, rather than the whole answer.
    (A website or person filter's read is checked as a whole by check_filtered_read.)
    """
    if not ranged.feature:
        return True
    return (rollup_counts.event_count(ranged.without_raw_filters())
            <= current_app.config["RAW_READ_MAX_EVENTS"])
