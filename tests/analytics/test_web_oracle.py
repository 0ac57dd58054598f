"""The website cards and breakdowns agree with brute-force counts over the stored events and
visits, for random ranges (local days in zones with odd offsets, and instants cutting hours
anywhere), random website filters alone and composed; and the rollup path (no filter)
gives exactly what the raw path gives.

The traffic goes in through POST /api/v1/events with an import key (so it may span weeks
and cross month ends), and the oracle reads back what was stored: it checks the reads, not
the enrichment (tests/web does that).
"""

import random
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.analytics import web_service
from app.analytics.schemas import AnalyticsFilterSchema
from app.analytics.web_filters import WEB_FILTER_NAMES
from tests.analytics.web_traffic import (
    OTHER_EVENTS,
    WEB_BREAKDOWNS,
    Asked,
    Oracle,
    Stored,
    make_site,
    query_of,
    send_traffic,
    traffic,
    user_id,
    utc_midnight,
)

DAYS = 40
FIRST_DAY = utc_midnight(DAYS + 5)
# Zones whose days start off the UTC hour (-3:30/-2:30, +5:45, +12:45/+13:45) or on it.
ZONES = ["UTC", "America/St_Johns", "Asia/Kathmandu", "Pacific/Chatham", "Europe/Berlin"]
# Valid values the traffic may lack, for the filters that take only some values.
ABSENT = {"country": "XX", "device": "tablet"}
EXAMPLES = settings(max_examples=60, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture,
                                           HealthCheck.too_slow])


@dataclass
class Site:
    project_id: int
    slug: str
    headers: dict
    stored: Stored
    oracle: Oracle


@pytest.fixture
def site(app, client, auth) -> Site:
    assert auth.register(username="webowner").status_code == 201
    owner_id = user_id(app, "webowner")
    project_id, raw_key = make_site(app, "site", owner_id)
    accepted = send_traffic(client, raw_key, traffic(random.Random(19), FIRST_DAY, DAYS))
    stored = Stored.read(app, project_id)
    assert len(stored.events) == accepted > 300
    return Site(project_id, "site", dict(auth.headers), stored, Oracle(stored))


def fetch(client, site: Site, path: str, params: dict) -> dict:
    response = client.get(f"/api/v1/analytics/web/{path}", query_string=params,
                          headers=site.headers)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    body.pop("cached")
    return body


def test_the_traffic_has_what_the_oracle_needs(site):
    """Guards the random tests below against passing on empty data."""
    whole = Asked(FIRST_DAY, FIRST_DAY + timedelta(days=DAYS + 1))
    figures = site.oracle.figures(whole)
    assert figures["visits"] > figures["visitors"] > 10
    assert 0 < figures["bounceRate"] < 100 and figures["visitDuration"] > 0
    assert site.oracle.bots(whole) > 5
    hashed = {event.visitor_id for event in site.stored.events
              if event.visitor_id and event.visitor_id.startswith("h:")}
    assert len(hashed) >= 4
    assert any(visit.visit_id.startswith("s:") for visit in site.stored.visits.values())
    assert len({event.country for event in site.stored.events}) >= 3
    assert {"desktop", "mobile", "tablet"} <= {visit.device_type
                                               for visit in site.stored.visits.values()}


def ranges():
    """(query parameters, UTC range): whole local days in a zone, or any two instants."""
    local_days = st.tuples(st.integers(0, DAYS + 2), st.integers(0, 12) | st.integers(25, 45),
                           st.sampled_from(ZONES)).map(local_day_range)
    instants = st.tuples(st.integers(0, (DAYS + 2) * 1440), st.integers(1, 3 * 1440)
                         | st.integers(20 * 1440, 45 * 1440),
                         st.integers(0, 59_999_999)).map(instant_range)
    return local_days | instants


def local_day_range(drawn) -> tuple[dict, Asked]:
    offset, length, tz = drawn
    zone = ZoneInfo(tz)
    first = (FIRST_DAY + timedelta(days=offset)).date()
    last = first + timedelta(days=length)
    start = datetime.combine(first, datetime.min.time(), zone)
    end = datetime.combine(last + timedelta(days=1), datetime.min.time(), zone)
    return ({"startDate": first.isoformat(), "endDate": last.isoformat(), "tz": tz},
            Asked(start.astimezone(FIRST_DAY.tzinfo), end.astimezone(FIRST_DAY.tzinfo)))


def instant_range(drawn) -> tuple[dict, Asked]:
    start_minute, length_minutes, microseconds = drawn
    start = FIRST_DAY + timedelta(minutes=start_minute, microseconds=microseconds)
    asked = Asked(start, start + timedelta(minutes=length_minutes))
    params = query_of(asked, "site")
    return ({key: params[key] for key in ("startDate", "endDate")}, asked)


def draw_filters(data, stored: Stored, most: int = 3) -> tuple[tuple[str, str], ...]:
    """Website filters on values the traffic has, "(none)" or values it lacks."""
    names = data.draw(st.lists(st.sampled_from(WEB_FILTER_NAMES), max_size=most, unique=True))
    chosen = []
    for name in names:
        values = stored.values_of(name)
        value = data.draw(st.sampled_from(values) if values and data.draw(st.integers(0, 4))
                          else st.sampled_from(["", ABSENT.get(name, "nothing")]))
        chosen.append((name, value))
    return tuple(sorted(chosen))


def params_of(range_params: dict, asked: Asked) -> dict:
    params = {"project": "site", **range_params}
    params.update({name: value or "(none)" for name, value in asked.web})
    if asked.feature:
        params["feature"] = asked.feature
    if asked.age_group:
        params["ageGroup"] = asked.age_group
    return params


@EXAMPLES
@given(data=st.data(), picked=ranges(),
       feature=st.sampled_from([None, None, None, "page_view", *OTHER_EVENTS]),
       age_group=st.sampled_from([None] * 9 + ["18-40"]))
def test_web_summary_matches_brute_force(client, site, data, picked, feature, age_group):
    """Age group and feature filters too (the traffic's visitors have no age group)."""
    range_params, asked = picked
    asked = replace(asked, web=draw_filters(data, site.stored), feature=feature,
                    age_group=age_group)
    body = fetch(client, site, "summary", params_of(range_params, asked))
    assert body.pop("webTraffic") is True
    assert body == site.oracle.summary(asked)


@EXAMPLES
@given(data=st.data(), picked=ranges(), by=st.sampled_from(WEB_BREAKDOWNS),
       limit=st.integers(1, 12))
def test_web_breakdowns_match_brute_force(client, site, data, picked, by, limit):
    range_params, asked = picked
    asked = replace(asked, web=draw_filters(data, site.stored))
    params = {**params_of(range_params, asked), "by": by, "limit": limit}
    body = fetch(client, site, "breakdown", params)
    expected = site.oracle.breakdown(asked, by, limit)
    if not asked.web:  # from the rollups: no visitors per value
        assert all(row["visitors"] is None for row in body["rows"])
        for row in expected["rows"]:
            row["visitors"] = None
    assert body == expected


def filters_for(app, site: Site, params: dict):
    """The Filters the endpoint would build from these parameters."""
    loaded = AnalyticsFilterSchema().load({key: value for key, value in params.items()
                                           if key != "project"})
    return replace(loaded["filters"], project_id=site.project_id)


@pytest.mark.parametrize("range_params", [
    {"startDate": (FIRST_DAY + timedelta(days=3)).date().isoformat(),
     "endDate": (FIRST_DAY + timedelta(days=38)).date().isoformat(), "tz": "Asia/Kathmandu"},
    {"startDate": (FIRST_DAY - timedelta(days=2)).date().isoformat(),
     "endDate": (FIRST_DAY + timedelta(days=DAYS + 2)).date().isoformat()},
    {"startDate": (FIRST_DAY + timedelta(days=13, hours=5, minutes=7)).isoformat(),
     "endDate": (FIRST_DAY + timedelta(days=15, hours=1, seconds=13)).isoformat()},
    {"startDate": (FIRST_DAY + timedelta(days=20, hours=5)).isoformat(),
     "endDate": (FIRST_DAY + timedelta(days=21, hours=9)).isoformat()},
])
def test_the_rollup_path_gives_what_the_raw_path_gives(app, client, site, range_params):
    params = {"project": "site", **range_params}
    body = fetch(client, site, "summary", params)
    with app.test_request_context():
        raw = web_service.summary(filters_for(app, site, params), force_raw=True)
    raw.pop("cached")
    assert body == raw
    assert body["current"]["visits"] > 0
    for by in WEB_BREAKDOWNS:
        body = fetch(client, site, "breakdown", {**params, "by": by, "limit": 100})
        with app.test_request_context():
            raw = web_service.breakdown(filters_for(app, site, params), by, 100,
                                        force_raw=True)
        raw.pop("cached")
        for row in raw["rows"]:
            row["visitors"] = None
        assert body == raw, by


def test_whole_months_and_the_days_around_them_match(client, site):
    """A range holding a whole calendar month reads the monthly rollups."""
    first_month = (FIRST_DAY.date().replace(day=28) + timedelta(days=4)).replace(day=1)
    next_month = (first_month.replace(day=28) + timedelta(days=4)).replace(day=1)
    start = datetime.combine(first_month - timedelta(days=2), datetime.min.time(),
                             FIRST_DAY.tzinfo)
    end = datetime.combine(next_month + timedelta(days=3), datetime.min.time(),
                           FIRST_DAY.tzinfo) + timedelta(hours=7)
    asked = Asked(start, end)
    body = fetch(client, site, "summary", query_of(asked, "site"))
    assert body.pop("webTraffic") is True
    assert body == site.oracle.summary(asked)
