"""app/seeding/web_traffic.py and web_demo.py: realistic website traffic, and the demo website
project `make seed` adds, stored through the ingestion write path, idempotently."""

import statistics
from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Event, Membership, Person, PersonDistinctId, Project, Visit
from app.people.traits import demographics
from app.seeding import demo, web_demo
from app.seeding.web_catalog import BOTS, BROWSERS, browser_versions
from app.seeding.web_traffic import MAX_GAP_SECONDS, TrafficModel, hits_in_time_order
from app.web.devices import device_of
from app.web.sources import channel, page_parts, referrer_domain
from app.web.tables import WEB_TABLES, web_daily

NOW = datetime(2026, 12, 3, 15, 20, tzinfo=UTC)
DAYS = web_demo.demo_days(NOW)


@pytest.fixture(scope="module")
def year():
    """A year of traffic, 30,000 events, generated once for the model's tests."""
    return list(TrafficModel(7, DAYS, 30_000, until=NOW).visits())


def test_same_seed_same_traffic_and_exactly_the_events_asked_for(year):
    again = list(TrafficModel(7, DAYS, 30_000, until=NOW).visits())
    assert again == year
    assert sum(len(visit.hits) for visit in year) == 30_000
    other = list(TrafficModel(8, DAYS, 30_000, until=NOW).visits())
    assert other != year


def test_the_year_runs_from_the_first_of_last_years_month_until_now(year):
    moments = [hit.at for visit in year for hit in visit.hits]
    assert datetime.fromtimestamp(min(moments), UTC).date() == date(2025, 12, 1)
    assert max(moments) < NOW.timestamp()
    assert datetime.fromtimestamp(max(moments), UTC).date() == NOW.date()
    per_month = Counter(datetime.fromtimestamp(at, UTC).strftime("%Y-%m") for at in moments)
    assert len(per_month) == 13
    # Growth: the last whole month is busier than the first.
    assert per_month["2026-11"] > 1.4 * per_month["2025-12"]


def test_visits_bounce_about_half_the_time_and_never_pause_half_an_hour(year):
    humans = [visit for visit in year if not visit.is_bot]
    bounced = sum(1 for visit in humans if len(visit.hits) == 1)
    assert 0.40 <= bounced / len(humans) <= 0.52
    pages = [sum(hit.name == "page_view" for hit in visit.hits) for visit in humans]
    assert max(pages) >= 8
    for visit in humans:
        gaps = [b.at - a.at for a, b in zip(visit.hits, visit.hits[1:], strict=False)]
        assert all(0 <= gap <= MAX_GAP_SECONDS for gap in gaps)
        assert visit.hits[0].name == "page_view"


def test_a_returning_visitor_comes_back_after_the_visit_timeout(year):
    by_visitor: dict[str, list] = {}
    for visit in year:
        if visit.anonymous_id and not visit.is_bot:
            by_visitor.setdefault(visit.anonymous_id, []).append(visit)
    returning = [visits for visits in by_visitor.values() if len(visits) > 1]
    assert len(returning) > 0.1 * len(by_visitor)
    days_between = []
    for visits in returning:
        visits.sort(key=lambda visit: visit.hits[0].at)
        for earlier, later in zip(visits, visits[1:], strict=False):
            assert later.hits[0].at > earlier.hits[-1].at + 1800
            days_between.append((later.hits[0].at - earlier.hits[0].at) / 86400)
    assert 1 <= statistics.median(days_between) <= 30


def test_shares_of_bots_cookieless_visitors_and_custom_events(year):
    requests = [(hit, visit) for visit in year for hit in visit.hits]
    bot_share = sum(visit.is_bot for _, visit in requests) / len(requests)
    assert 0.03 <= bot_share <= 0.08
    humans = [visit for visit in year if not visit.is_bot]
    cookieless = sum(visit.anonymous_id is None for visit in humans) / len(humans)
    assert 0.15 <= cookieless <= 0.35
    names = Counter(hit.name for hit, _ in requests)
    assert {"page_view", "signup", "outbound_click", "file_download",
            "newsletter_subscribe"} <= set(names)
    assert names["page_view"] > 0.9 * len(requests)
    assert {hit.properties["plan"] for hit, _ in requests if hit.name == "signup"} == {
        "free", "pro", "team"}


def test_sources_pages_and_countries_as_the_ingest_reads_them(year):
    """The landing page's referrer and UTM parameters give every channel the demo needs,
    campaigns included; visits land on and walk the site map; many countries send them.
    """
    channels, campaigns, referrers, paths = Counter(), Counter(), Counter(), set()
    for visit in year:
        if visit.is_bot:
            continue
        landing = visit.hits[0]
        page = page_parts(landing.page_url)
        domain = referrer_domain(landing.referrer, {page.hostname})
        channels[channel(domain, page.utm)] += 1
        campaigns[page.utm.get("utm_campaign")] += 1
        referrers[domain] += 1
        paths.update(page_parts(hit.page_url).pathname for hit in visit.hits)
    assert {"Direct", "Organic Search", "Organic Social", "Referral", "Email",
            "Paid Search"} <= set(channels)
    assert channels["Organic Search"] == max(channels.values())
    assert {"google.com", "bing.com", "duckduckgo.com", "t.co", "reddit.com",
            "news.ycombinator.com", "linkedin.com", "facebook.com"} <= set(referrers)
    assert {"spring_sale", "launch_week", "newsletter_2026_11", "black_friday"} <= set(campaigns)
    assert 18 <= len(paths) <= 25
    countries = Counter(visit.country for visit in year if not visit.is_bot)
    assert len(countries) >= 25 and countries.most_common(1)[0][0] == "US"


def test_the_user_agents_are_real_browsers_on_every_kind_of_device():
    """Each browser template, filled with a day's versions, parses as the browser, OS and
    device type it stands for; every crawler and headless browser is a bot.
    """
    expected = {
        ("Chrome", "Windows", "desktop"), ("Edge", "Windows", "desktop"),
        ("Firefox", "Windows", "desktop"), ("Opera", "Windows", "desktop"),
        ("Chrome", "macOS", "desktop"), ("Safari", "macOS", "desktop"),
        ("Firefox", "macOS", "desktop"), ("Edge", "macOS", "desktop"),
        ("Chrome", "Linux", "desktop"), ("Firefox", "Linux", "desktop"),
        ("Chrome", "Chrome OS", "desktop"), ("Safari", "iOS", "mobile"),
        ("Chrome", "iOS", "mobile"), ("Chrome", "Android", "mobile"),
        ("Samsung Internet", "Android", "mobile"), ("Firefox", "Android", "mobile"),
        ("Safari", "iOS", "tablet"), ("Chrome", "Android", "tablet"),
        ("Samsung Internet", "Android", "tablet"),
    }
    for day in (date(2025, 12, 1), NOW.date()):
        seen = set()
        for template, device_type, _ in BROWSERS:
            device = device_of(template.format(**browser_versions(day, 0)))
            assert not device.is_bot and device.device_type == device_type
            seen.add((device.browser, device.os, device.device_type))
        assert seen == expected
        for template, *_ in BOTS:
            assert device_of(template.format(**browser_versions(day, 0))).is_bot, template
    assert browser_versions(date(2025, 12, 1), 0)["chrome"] == "144"
    assert browser_versions(date(2025, 12, 1), 0)["safari"] == "26.1"


def test_hits_come_in_time_order(year):
    stream = [hit.at for hit, _ in hits_in_time_order(year)]
    assert stream == sorted(stream)
    assert len(stream) == 30_000


# ----------------------------------------------------------------------------- the demo

def seed(app, total_events=4000):
    with app.app_context():
        demo.seed_users(30, app.config["DEMO_PASSWORD"])
        names = [username for username, _, _ in demo.demo_profiles(30)]
        return web_demo.seed_web_demo(names, NOW, total_events)


def test_make_seed_adds_the_demo_website_with_its_traffic(app):
    assert seed(app) == 4000
    with app.app_context():
        project = db.session.execute(
            select(Project).where(Project.slug == web_demo.WEB_DEMO_SLUG)).scalar_one()
        assert project.name == "Demo website"
        roles = dict(db.session.execute(select(Membership.user_id, Membership.role)
                                        .where(Membership.project_id == project.id)).all())
        owners = db.session.execute(
            select(Membership.user_id).join(Project, Project.id == Membership.project_id)
            .where(Project.slug == "ouroboard", Membership.role == "owner")).scalars().all()
        assert [user for user, role in roles.items() if role == "owner"] == owners
        assert len(roles) == 30
        events = db.session.execute(select(
            func.count(), func.sum(Event.is_bot.cast(db.Integer)),
            func.count(func.distinct(Event.visitor_id)))
            .where(Event.project_id == project.id)).one()
        assert events[0] == 4000 and 0.03 * 4000 <= events[1] <= 0.08 * 4000
        visits = db.session.execute(select(Visit).where(Visit.project_id == project.id)
                                    ).scalars().all()
        totals = db.session.execute(
            select(func.sum(web_daily.c.visits), func.sum(web_daily.c.bounces))
            .where(web_daily.c.project_id == project.id, web_daily.c.dimension == "")).one()
    assert totals[0] == len(visits) > 1000
    assert 0.35 * len(visits) <= totals[1] <= 0.55 * len(visits)
    assert len({visit.channel for visit in visits}) >= 6
    assert len({visit.country for visit in visits}) >= 15
    assert {visit.device_type for visit in visits} == {"desktop", "mobile", "tablet"}
    assert len({visit.browser for visit in visits}) >= 6
    assert {"spring_sale", "launch_week", "newsletter_2026_11"} <= {
        visit.utm_campaign for visit in visits}
    assert max(visit.pageviews for visit in visits) >= 6
    # Returning visitors: some visitors have visits on several days.
    days = Counter(visitor for visitor, _ in {(visit.visitor_id, visit.started_at.date())
                                              for visit in visits})
    assert sum(count > 1 for count in days.values()) > 20


def test_the_demo_website_answers_the_web_analytics(app, client):
    seed(app)
    login = client.post("/api/v1/login", json={"username": "user1",
                                               "password": app.config["DEMO_PASSWORD"]})
    headers = {"Authorization": f"Bearer {login.get_json()['token']}"}
    params = {"project": web_demo.WEB_DEMO_SLUG, "startDate": "2025-12-01",
              "endDate": NOW.date().isoformat()}
    summary = client.get("/api/v1/analytics/web/summary", query_string=params,
                         headers=headers)
    assert summary.status_code == 200, summary.get_json()
    current = summary.get_json()["current"]
    assert current["visits"] > 1000 and current["visitors"] > 500
    assert 35 <= current["bounceRate"] <= 55
    assert summary.get_json()["botEvents"] > 100
    countries = client.get("/api/v1/analytics/web/breakdown",
                           query_string={**params, "by": "country", "limit": 100},
                           headers=headers).get_json()
    assert countries["rows"][0]["value"] == "US" and len(countries["rows"]) >= 15


def test_a_third_of_the_demo_visitors_are_people_whose_events_carry_their_demographics(
        app, client):
    seed(app)
    with app.app_context():
        project_id = db.session.execute(select(Project.id).where(
            Project.slug == web_demo.WEB_DEMO_SLUG)).scalar_one()
        visitors = set(db.session.execute(select(Event.anonymous_id).where(
            Event.project_id == project_id, Event.anonymous_id.is_not(None))).scalars())
        people = dict(db.session.execute(
            select(PersonDistinctId.distinct_id, Person.traits)
            .join(Person, Person.id == PersonDistinctId.person_id)
            .where(Person.project_id == project_id)).all())
        stamped = db.session.execute(select(Event.anonymous_id, Event.age_group, Event.gender)
                                     .where(Event.project_id == project_id)).all()
    assert set(people) <= visitors
    assert 0.25 * len(visitors) <= len(people) <= 0.45 * len(visitors)
    for anonymous_id, age_group, gender in stamped:
        traits = people.get(anonymous_id)
        expected = demographics(traits) if traits else (None, None)
        assert (age_group, gender) == expected
    login = client.post("/api/v1/login", json={"username": "user1",
                                               "password": app.config["DEMO_PASSWORD"]})
    ages = client.get("/api/v1/analytics/breakdown", headers={
        "Authorization": f"Bearer {login.get_json()['token']}"}, query_string={
        "project": web_demo.WEB_DEMO_SLUG, "by": "age_group", "startDate": "2025-12-01",
        "endDate": NOW.date().isoformat()})
    assert ages.status_code == 200, ages.get_json()
    values = {row["value"] for row in ages.get_json()["items"]}
    assert {"<18", "18-40", ">40"} <= values


def test_seeding_twice_adds_nothing_and_reset_removes_the_traffic(app):
    assert seed(app) == 4000
    assert seed(app) == 0
    with app.app_context():
        project_id = db.session.execute(select(Project.id).where(
            Project.slug == web_demo.WEB_DEMO_SLUG)).scalar_one()
        stored = db.session.execute(select(func.count()).where(
            Event.project_id == project_id)).scalar_one()
        assert stored == 4000
        demo.reset_demo_data(30)
        tables = (Event.__table__, Person.__table__, PersonDistinctId.__table__,
                  *(db.metadata.tables[name] for name in WEB_TABLES))
        left = [db.session.execute(select(func.count()).select_from(table).where(
            table.c.project_id == project_id)).scalar_one() for table in tables]
    assert left == [0] * len(tables)
    assert seed(app) == 4000


def test_a_partial_day_has_nothing_in_the_future(app):
    """Seeded early in the day, the demo's last events are before that moment."""
    early = NOW.replace(hour=0, minute=40)
    with app.app_context():
        demo.seed_users(30, app.config["DEMO_PASSWORD"])
        web_demo.seed_web_demo(["user1"], early, 3000)
        latest = db.session.execute(select(func.max(Event.occurred_at))).scalar_one()
    assert early - timedelta(days=1) <= latest < early
