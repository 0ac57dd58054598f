"""A moment a fraction of a second before a boundary stays before it on every read path.

SQLite's strftime('%s') rounds fractions to milliseconds, so 10:59:59.9999 read as 11:00:00
there: a raw hourly bucket put the event in the next hour, and a visit from
23:59:59.999999 to midnight lasted 0 seconds instead of 1. The rollups, filled in Python,
were right, so the same question answered from them and from raw events disagreed.
"""

from datetime import UTC, datetime, timedelta

import pytest

from tests.analytics.web_traffic import BROWSERS, make_site, user_id

DAY = (datetime.now(UTC) - timedelta(days=2)).replace(hour=0, minute=0, second=0,
                                                       microsecond=0)
RANGE = {"startDate": DAY.date().isoformat(), "endDate": DAY.date().isoformat(), "tz": "UTC"}
# Moments just before and at an hour, and how many events each hour then holds.
MOMENTS = [DAY.replace(hour=10, minute=59, second=59, microsecond=999_999),
           DAY.replace(hour=10, minute=59, second=59, microsecond=999_500),
           DAY.replace(hour=10, minute=59, second=59, microsecond=999_400),
           DAY.replace(hour=11)]
# A raw read: a website filter every event of the test matches.
RAW = {"browser": "Chrome"}


@pytest.fixture
def site(app, client, auth):
    assert auth.register(username="fractions").status_code == 201
    _, key = make_site(app, "fractions", user_id(app, "fractions"))
    events = [{"name": "page_view", "page_url": "https://f.example.com/", "anonymous_id": "v1",
               "timestamp": moment.isoformat(), "uuid": f"00000000-0000-4000-8000-{n:012d}"}
              for n, moment in enumerate(MOMENTS)]
    # One visit of a microsecond that crosses into the next second, and the next day.
    last = DAY.replace(hour=23, minute=59, second=59, microsecond=999_999)
    events += [{"name": "page_view", "page_url": "https://f.example.com/late",
                "anonymous_id": "v2", "timestamp": moment.isoformat(),
                "uuid": f"00000000-0000-4000-9000-{n:012d}"}
               for n, moment in enumerate((last, last + timedelta(microseconds=1)))]
    response = client.post("/api/v1/events", json={"events": events},
                           headers={"X-Ouroboard-Key": key, "User-Agent": BROWSERS[0]})
    assert response.status_code == 202, response.get_json()
    return dict(auth.headers)


def get(client, headers, path, **params):
    response = client.get(f"/api/v1{path}", headers=headers,
                          query_string={"project": "fractions", **RANGE, **params})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


@pytest.mark.parametrize("filters", [{}, RAW], ids=["rollups", "raw events"])
def test_an_event_just_before_the_hour_counts_in_that_hour(client, site, filters):
    body = get(client, site, "/analytics/timeseries", granularity="hour", **filters)
    by_hour = {point["t"][11:13]: point["count"] for point in body["series"]}
    assert (by_hour["10"], by_hour["11"], by_hour["23"]) == (3, 1, 1)


@pytest.mark.parametrize("filters", [{}, RAW], ids=["rollups", "raw events"])
def test_a_visit_across_a_second_lasts_that_second(client, site, filters):
    body = get(client, site, "/analytics/web/summary", **filters)["current"]
    # v1: 10:59:59.999999 to 11:00:00, 1 s; v2: 23:59:59.999999 to midnight (the next day
    # holds its last event, the visit counts where it started), 1 s.
    assert (body["visits"], body["visitDuration"]) == (2, 1)
