"""All time (no dates): the range is closed at the first and last matching event, found
by narrowing down the monthly, daily and hourly rollups; every answer over it equals a
brute-force count of the raw events, in several projects and zones, whatever the filters.
"""

import random
from collections import Counter
from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest

from app.analytics.data.events import data_range
from app.analytics.periods import Filters
from app.event_rows import event_row
from app.extensions import db
from app.models import Membership, Project, User, age_group_for
from app.track.store import insert_events
from tests.analytics.conftest import utc

FEATURES = ["signup", "page_view", "export_csv", "rare_feature"]
ZONES = ["UTC", "America/New_York", "Asia/Kolkata", "Pacific/Kiritimati",
         "Pacific/Pago_Pago", "Australia/Adelaide"]
PEOPLE = [(15, "Male"), (25, "Female"), (41, "Other"), (33, "Male"), (70, "Female")]
# Instants that sit on the edges the rollups cut at: the first and last second of a UTC
# month, day and hour, so an off-by-one grain would move the range or lose an event.
EDGE_MOMENTS = [utc(2025, 3, 1, 0, 0, 0), utc(2025, 3, 31, 23, 59, 59),
                utc(2025, 12, 31, 23, 30), utc(2026, 1, 1, 0, 0, 1),
                utc(2026, 2, 28, 23, 59, 59), utc(2026, 4, 30, 12, 0, 0)]


class Stored:
    """One stored event as the brute force sees it."""

    def __init__(self, project_id, name, at, person, anonymous_id):
        self.project_id, self.name, self.at = project_id, name, at
        self.user_id = person[0] if person else None
        self.age_group = person[1] if person else None
        self.gender = person[2] if person else None
        self.anonymous_id = anonymous_id

    @property
    def who(self):
        return f"u{self.user_id}" if self.user_id else f"a{self.anonymous_id}"


@pytest.fixture
def spread(app, viewer):
    """Three projects the viewer reads: two with events over 14 months (with a different
    first and last event each, the rare feature only in a single hour of one), and one
    with none. Returns (slugs by project id, stored events)."""
    rng = random.Random(21)
    with app.app_context():
        viewer_id = db.session.query(User.id).filter_by(username="viewer").scalar()
        people = []
        for number, (age, gender) in enumerate(PEOPLE):
            user = User(username=f"alltime{number}", password_hash="x", age=age, gender=gender)
            db.session.add(user)
            db.session.flush()
            people.append((user.id, age_group_for(age), gender))
        slugs = {}
        for slug in ("north", "south", "empty"):
            project = Project(slug=slug, name=slug.title())
            db.session.add(project)
            db.session.flush()
            db.session.add(Membership(project_id=project.id, user_id=viewer_id, role="viewer"))
            slugs[project.id] = slug
        db.session.commit()
    stored = []
    north, south, _ = slugs
    for project_id, first, days in ((north, utc(2025, 3, 1), 425),
                                    (south, utc(2025, 6, 17, 5), 300)):
        moments = [first + timedelta(seconds=rng.randrange(days * 86400)) for _ in range(160)]
        if project_id == north:
            moments += EDGE_MOMENTS
        for at in moments:
            person = rng.choice(people) if rng.random() < 0.8 else None
            name = rng.choice(FEATURES[:3])
            stored.append(Stored(project_id, name, at, person,
                                 None if person else f"anon-{rng.randrange(6)}"))
    stored.append(Stored(south, "rare_feature", utc(2025, 9, 9, 14, 41), people[2], None))
    stored.append(Stored(south, "rare_feature", utc(2025, 9, 9, 14, 7), people[2], None))
    rows = [event_row(item.name, item.at, project_id=item.project_id, user_id=item.user_id,
                      age_group=item.age_group, gender=item.gender,
                      anonymous_id=item.anonymous_id, page_url="/p")
            for item in stored]
    with app.app_context():
        insert_events(rows)
        db.session.commit()
    return slugs, stored


def matching(stored, project_id, age_group=None, gender=None, feature=None):
    return [item for item in stored if item.project_id == project_id
            and age_group in (None, item.age_group) and gender in (None, item.gender)
            and feature in (None, item.name)]


def local_span(events, zone):
    """The all-time range the brute force expects: whole local days from the first
    matching event's to the last's."""
    days = sorted(item.at.astimezone(zone).date() for item in events)
    return days[0], days[-1]


FILTER_SETS = [{}, {"ageGroup": "<18"}, {"gender": "Female"},
               {"ageGroup": ">40", "gender": "Other"}, {"feature": "page_view"},
               {"feature": "rare_feature"}, {"feature": "export_csv", "gender": "Male"}]
API_FILTERS = {"ageGroup": "age_group", "gender": "gender", "feature": "feature"}


def test_data_range_is_the_first_and_last_matching_event(app, spread):
    slugs, stored = spread
    for project_id in slugs:
        for params in FILTER_SETS:
            wanted = {API_FILTERS[name]: value for name, value in params.items()}
            events = matching(stored, project_id, **wanted)
            filters = Filters(start=None, end=None, tz=ZoneInfo("UTC"), project_id=project_id,
                              **wanted)
            with app.app_context():
                first, last = data_range(filters)
            if not events:
                assert (first, last) == (None, None)
                continue
            assert (first, last) == (min(item.at for item in events),
                                     max(item.at for item in events)), (slugs[project_id], params)


@pytest.mark.parametrize("zone_name", ZONES)
def test_all_time_answers_equal_brute_force(get_json, spread, zone_name):
    slugs, stored = spread
    zone = ZoneInfo(zone_name)
    for project_id, slug in slugs.items():
        for params in FILTER_SETS:
            wanted = {API_FILTERS[name]: value for name, value in params.items()}
            query = {"project": slug, "tz": zone_name, **params}
            status, usage = get_json("/analytics", **query)
            assert status == 200
            status, summary = get_json("/analytics/summary", **query)
            assert status == 200
            # The bars ignore the selected feature; the line and the summary follow it.
            bar_events = matching(stored, project_id,
                                  **{k: v for k, v in wanted.items() if k != "feature"})
            events = matching(stored, project_id, **wanted)
            if not events:
                assert summary["totalEvents"] == 0 and summary["startDate"] is None
                assert usage["lineChartData"] == []
                continue
            first_day, last_day = local_span(events, zone)
            assert (summary["startDate"], summary["endDate"]) == (
                first_day.isoformat(), last_day.isoformat()), (slug, params)
            assert summary["totalEvents"] == len(events)
            assert summary["uniqueUsers"] == len({item.who for item in events})
            assert summary["featuresTracked"] == len({item.name for item in events})
            days = (last_day - first_day).days + 1
            assert summary["dailyAverage"] == round(len(events) / days, 2)
            in_span = [item for item in bar_events
                       if first_day <= item.at.astimezone(zone).date() <= last_day]
            assert {bar["feature"]: bar["count"] for bar in usage["barChartData"]} == \
                dict(Counter(item.name for item in in_span))
            per_day = Counter(item.at.astimezone(zone).date() for item in events)
            assert [(point["date"], point["count"]) for point in usage["lineChartData"]] == [
                (day.isoformat(), per_day.get(day, 0))
                for day in (first_day + timedelta(days=n) for n in range(days))]


def test_all_time_breakdowns_and_months_equal_brute_force(get_json, spread):
    slugs, stored = spread
    zone = ZoneInfo("Asia/Kolkata")
    for project_id, slug in slugs.items():
        events = matching(stored, project_id)
        status, body = get_json("/analytics/breakdown", project=slug, tz=zone.key,
                                by="age_group")
        assert status == 200
        groups = Counter(item.age_group for item in events)
        people = {group: len({item.who for item in events if item.age_group == group})
                  for group in groups}
        assert {(item["value"], item["count"], item["uniqueUsers"]) for item in body["items"]} \
            == {(group, count, people[group]) for group, count in groups.items()}
        status, body = get_json("/analytics/timeseries", project=slug, tz=zone.key,
                                granularity="month")
        assert status == 200
        months = Counter(item.at.astimezone(zone).date().replace(day=1) for item in events)
        assert {point["t"]: point["count"] for point in body["series"] if point["count"]} == \
            {month.isoformat(): count for month, count in months.items()}
        assert sum(point["count"] for point in body["series"]) == len(events)


def test_open_start_and_open_end_close_at_the_data(get_json, spread):
    slugs, stored = spread
    project_id, slug = next(iter(slugs.items()))
    events = matching(stored, project_id)
    zone = ZoneInfo("America/New_York")
    first_day, last_day = local_span(events, zone)
    cut = date(2025, 11, 15)
    status, body = get_json("/analytics/summary", project=slug, tz=zone.key,
                            endDate=cut.isoformat())
    assert status == 200
    assert (body["startDate"], body["endDate"]) == (first_day.isoformat(), cut.isoformat())
    assert body["totalEvents"] == sum(1 for item in events
                                      if item.at.astimezone(zone).date() <= cut)
    status, body = get_json("/analytics/summary", project=slug, tz=zone.key,
                            startDate=cut.isoformat())
    assert status == 200
    assert (body["startDate"], body["endDate"]) == (cut.isoformat(), last_day.isoformat())
    assert body["totalEvents"] == sum(1 for item in events
                                      if item.at.astimezone(zone).date() >= cut)
