"""Visits, web rollups and visitor days kept at ingest, checked against an independent
recount (app.web.rebuild_data.rebuild_web) and against the stored rows."""

import random
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Event, Visit
from app.projects.builtin import self_tracking_project_id
from app.web import rebuild_data as web_data
from app.web.tables import (
    visitor_day_pairs,
    visitor_days,
    visitor_hours,
    web_daily,
    web_hourly,
    web_monthly,
)
from tests.helpers import iso

CHROME = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
          "Chrome/131.0.0.0 Safari/537.36")
IPHONE = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
          "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1")
FIREFOX = ("Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0")
GOOGLEBOT = ("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)")
NOW = datetime.now(UTC).replace(microsecond=0)


def send(client, key, events, *, user_agent=CHROME, ip="203.0.113.9", headers=None):
    """POST a batch as a browser at `ip` would."""
    response = client.post(
        "/api/v1/events", json={"events": events},
        headers={"X-Ouroboard-Key": key, "User-Agent": user_agent, **(headers or {})},
        environ_base={"REMOTE_ADDR": ip})
    assert response.status_code == 202, response.get_json()
    return response.get_json()


def page(path, moment, **fields):
    """A page view of https://example.com<path> at `moment`."""
    return {"name": "page_view", "uuid": str(uuid.uuid4()), "timestamp": iso(moment),
            "page_url": f"https://example.com{path}", **fields}


def table_rows(table):
    """Every row of a table, as sorted tuples."""
    return sorted(tuple(row) for row in db.session.execute(select(table)))


def rollup_snapshot(project_id):
    """The web rollups and visitor-day tables of a project, without all-zero rows."""
    snapshot = {}
    for table in (web_hourly, web_daily, web_monthly):
        snapshot[table.name] = [row for row in table_rows(table)
                                if row[0] == project_id and any(row[4:])]
    for table in (visitor_days, visitor_hours, visitor_day_pairs):
        snapshot[table.name] = [row for row in table_rows(table)
                                if row[0] == project_id and row[-1] != 0]
    return snapshot


def assert_incremental_equals_rebuild(app, project_id):
    with app.app_context():
        kept = rollup_snapshot(project_id)
        web_data.rebuild_web(project_id)
        recounted = rollup_snapshot(project_id)
        db.session.rollback()
    assert kept == recounted


@pytest.fixture
def project_id(app):
    with app.app_context():
        return self_tracking_project_id()


def test_a_page_view_is_enriched_and_starts_a_visit(app, client, ingest_key, project_id):
    start = NOW - timedelta(hours=2)
    send(client, ingest_key, [page("/pricing?utm_source=news&utm_medium=email"
                                   "&utm_campaign=spring", start,
                                   anonymous_id="anon-1",
                                   referrer="https://www.google.com/search?q=x")])
    with app.app_context():
        row = db.session.execute(select(Event)).scalar_one()
        visit = db.session.execute(select(Visit)).scalar_one()
    assert row.visitor_id == "a:anon-1"
    assert (row.hostname, row.pathname) == ("example.com", "/pricing")
    assert (row.utm_source, row.utm_medium, row.utm_campaign) == ("news", "email", "spring")
    assert row.referrer_domain == "google.com"
    assert row.channel == "Email"  # utm_medium=email outranks the search referrer
    assert (row.browser, row.os, row.device_type, row.is_bot) == ("Chrome", "Windows",
                                                                    "desktop", False)
    assert row.country is None  # 203.0.113.0/24 is a documentation range: unknown
    assert row.visit_id == visit.visit_id
    assert (visit.entry_page, visit.exit_page, visit.pageviews, visit.events) == (
        "/pricing", "/pricing", 1, 1)
    assert_incremental_equals_rebuild(app, project_id)


def test_a_visit_ends_after_thirty_quiet_minutes(app, client, ingest_key, project_id):
    start = NOW - timedelta(hours=3)
    send(client, ingest_key, [page("/", start, anonymous_id="v"),
                              page("/docs", start + timedelta(minutes=29), anonymous_id="v"),
                              page("/blog", start + timedelta(minutes=60), anonymous_id="v")])
    with app.app_context():
        stored = db.session.execute(select(Visit).order_by(Visit.started_at)).scalars().all()
        assert [(v.entry_page, v.exit_page, v.pageviews) for v in stored] == [
            ("/", "/docs", 2), ("/blog", "/blog", 1)]
        assert int((stored[0].ended_at - stored[0].started_at).total_seconds()) == 29 * 60


def test_a_client_session_id_wins_over_the_gap(app, client, ingest_key):
    start = NOW - timedelta(hours=3)
    send(client, ingest_key, [
        page("/", start, anonymous_id="v", session_id="tab-1"),
        page("/later", start + timedelta(hours=2), anonymous_id="v", session_id="tab-1")])
    # Another visitor sending the same session id gets a visit of their own.
    send(client, ingest_key, [page("/", start, anonymous_id="w", session_id="tab-1")])
    with app.app_context():
        visits = {visit.visitor_id: visit for visit in db.session.execute(select(Visit)).scalars()}
    visit = visits["a:v"]
    assert visit.visit_id.startswith("s:") and visits["a:w"].visit_id != visit.visit_id
    assert (visit.pageviews, visit.exit_page) == (2, "/later")


def test_out_of_order_events_move_entry_and_exit(app, client, ingest_key, project_id):
    start = NOW - timedelta(hours=3)
    send(client, ingest_key, [page("/middle", start + timedelta(minutes=10), anonymous_id="v")])
    send(client, ingest_key, [page("/last", start + timedelta(minutes=20), anonymous_id="v")])
    send(client, ingest_key, [page("/first", start, anonymous_id="v")])
    with app.app_context():
        visit = db.session.execute(select(Visit)).scalar_one()
    assert (visit.entry_page, visit.exit_page, visit.pageviews) == ("/first", "/last", 3)
    assert_incremental_equals_rebuild(app, project_id)


def test_cookieless_visitors_are_a_hash_of_address_and_browser(app, client, ingest_key):
    moment = NOW - timedelta(minutes=5)
    send(client, ingest_key, [page("/", moment)], ip="198.51.100.7")
    send(client, ingest_key, [page("/a", moment)], ip="198.51.100.7")
    send(client, ingest_key, [page("/b", moment)], ip="198.51.100.8")
    send(client, ingest_key, [page("/c", moment)], ip="198.51.100.7", user_agent=FIREFOX)
    # Without TRUSTED_PROXIES a forged X-Forwarded-For changes nothing.
    send(client, ingest_key, [page("/d", moment)], ip="198.51.100.7",
         headers={"X-Forwarded-For": "8.8.8.8", "CF-IPCountry": "DE"})
    with app.app_context():
        rows = {row.pathname: row for row in db.session.execute(select(Event)).scalars()}
    assert rows["/"].visitor_id == rows["/a"].visitor_id == rows["/d"].visitor_id
    assert rows["/"].visitor_id.startswith("h:") and len(rows["/"].visitor_id) == 34
    assert len({rows[path].visitor_id for path in ("/", "/b", "/c")}) == 3
    assert rows["/d"].country is None
    # The address is never stored, in any column.
    with app.app_context():
        for row in db.session.execute(select(Event)).scalars():
            assert "198.51.100" not in repr({column.name: getattr(row, column.name)
                                             for column in Event.__table__.columns})


def test_trusted_proxies_give_the_address_and_country(make_app):
    app = make_app(TRUSTED_PROXIES=1)
    client = app.test_client()
    with app.app_context():
        from app.track.keys import create_key
        _, key = create_key(self_tracking_project_id(), "proxied")
    send(client, key, [page("/", NOW)], ip="10.0.0.2",
         headers={"X-Forwarded-For": "8.8.8.8", "CF-IPCountry": "de"})
    # Another browser, so another visitor and visit (a visit keeps its first country).
    send(client, key, [page("/x", NOW)], ip="10.0.0.2", user_agent=FIREFOX,
         headers={"X-Forwarded-For": "8.8.8.8"})
    with app.app_context():
        rows = {row.pathname: row for row in db.session.execute(select(Event)).scalars()}
    assert rows["/"].country == "DE"
    assert rows["/x"].country == "US"  # from the address, 8.8.8.8


def test_bots_are_stored_but_counted_nowhere(app, client, ingest_key, project_id):
    moment = NOW - timedelta(minutes=5)
    send(client, ingest_key, [page("/", moment, anonymous_id="crawler")], user_agent=GOOGLEBOT)
    send(client, ingest_key, [page("/", moment, anonymous_id="person")])
    with app.app_context():
        rows = db.session.execute(select(Event).order_by(Event.id)).scalars().all()
        assert [row.is_bot for row in rows] == [True, False]
        assert rows[0].visit_id is None
        assert db.session.execute(select(Visit)).scalar_one().visitor_id == "a:person"
        bots = db.session.execute(select(web_daily.c.events).where(
            web_daily.c.dimension == "bots")).scalar_one()
        assert bots == 1
        from app.rollups.tables import daily
        assert db.session.execute(select(daily.c.events)).scalars().all() == [1]
    assert_incremental_equals_rebuild(app, project_id)


def test_replays_change_nothing(app, client, ingest_key, project_id):
    events = [page("/", NOW - timedelta(minutes=9), anonymous_id="v"),
              page("/b", NOW - timedelta(minutes=3), anonymous_id="v")]
    send(client, ingest_key, events)
    with app.app_context():
        before = rollup_snapshot(project_id), table_rows(Visit.__table__)
    assert send(client, ingest_key, events)["duplicates"] == 2
    with app.app_context():
        assert (rollup_snapshot(project_id), table_rows(Visit.__table__)) == before


def test_random_traffic_keeps_every_table_exact(app, client, ingest_key, project_id):
    """Many visitors over several days, sent in shuffled batches with replays, bots and
    custom events: what ingest kept equals a recount from the stored rows."""
    rng = random.Random(19)
    paths = ["/", "/pricing", "/docs", "/blog/a", "/blog/b"]
    sources = [None, "https://www.google.com/", "https://t.co/x", "https://news.ycombinator.com/",
               "https://example.com/internal"]
    events = []
    for visitor in range(25):
        moment = NOW - timedelta(days=rng.randint(0, 5), minutes=rng.randint(0, 600))
        for _ in range(rng.randint(1, 9)):
            moment += timedelta(minutes=rng.choice([1, 5, 20, 45, 300]))
            if moment > NOW:
                break
            name = "page_view" if rng.random() < 0.8 else "signup"
            events.append((rng.choice([CHROME, IPHONE, FIREFOX, GOOGLEBOT]), {
                "name": name, "uuid": str(uuid.uuid4()), "timestamp": iso(moment),
                "anonymous_id": f"v{visitor}" if visitor % 3 else None,
                "page_url": f"https://example.com{rng.choice(paths)}"
                            + ("?utm_campaign=launch" if rng.random() < 0.2 else ""),
                "referrer": rng.choice(sources)}))
    rng.shuffle(events)
    for start in range(0, len(events), 7):
        chunk = events[start:start + 7]
        for user_agent in {agent for agent, _ in chunk}:
            send(client, ingest_key, [body for agent, body in chunk if agent == user_agent],
                 user_agent=user_agent, ip=f"198.51.100.{start % 5}")
    replay = [body for _, body in events[:10]]
    send(client, ingest_key, replay, user_agent=CHROME)
    assert_incremental_equals_rebuild(app, project_id)
    with app.app_context():
        stored_visits = db.session.execute(select(Visit)).scalars().all()
        humans = db.session.execute(select(Event).where(Event.is_bot.is_(False))).scalars().all()
    assert sum(visit.events for visit in stored_visits) == len(humans)
    assert sum(visit.pageviews for visit in stored_visits) == sum(
        row.name == "page_view" for row in humans)
    assert {row.visit_id for row in humans} == {visit.visit_id for visit in stored_visits}


def test_concurrent_senders_of_the_same_visitors_keep_every_table_exact(app, ingest_key,
                                                                        project_id):
    """Four clients at once, sharing visitors (on Postgres, separate transactions settle
    the same visitors: the advisory locks must serialise them)."""
    import threading
    rng = random.Random(7)
    batches = [[page(rng.choice(["/", "/a", "/b"]),
                     NOW - timedelta(minutes=rng.randint(0, 120)),
                     anonymous_id=f"shared-{rng.randint(0, 6)}") for _ in range(5)]
               for _ in range(24)]
    failures = []

    def sender(mine):
        client = app.test_client()
        for batch in mine:
            response = client.post("/api/v1/events", json={"events": batch},
                                   headers={"X-Ouroboard-Key": ingest_key,
                                            "User-Agent": CHROME})
            if response.status_code == 503:  # a lost race: the client retries
                response = client.post("/api/v1/events", json={"events": batch},
                                       headers={"X-Ouroboard-Key": ingest_key,
                                                "User-Agent": CHROME})
            if response.status_code != 202:
                failures.append(response.get_json())

    threads = [threading.Thread(target=sender, args=(batches[index::4],)) for index in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert_incremental_equals_rebuild(app, project_id)
    with app.app_context():
        stored_visits = db.session.execute(select(Visit)).scalars().all()
        assert sum(visit.events for visit in stored_visits) == 24 * 5
