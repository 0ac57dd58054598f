"""Hostile and odd client input through the real ingest endpoint: answered 202, stored
with sane web columns, never a 5xx, and no slower than ordinary requests by much."""

import statistics
import time
import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Event
from tests.web.test_ingest_visits import CHROME

NOW = datetime.now(UTC)


def post(client, key, event, *, user_agent=CHROME, ip="81.2.69.160", headers=None):
    body = {"name": "page_view", "uuid": str(uuid.uuid4()), "timestamp": NOW.isoformat(),
            **event}
    started = time.perf_counter()
    response = client.post("/api/v1/events", json=body,
                           headers={"X-Ouroboard-Key": key, "User-Agent": user_agent,
                                    **(headers or {})},
                           environ_base={"REMOTE_ADDR": ip})
    elapsed = time.perf_counter() - started
    assert response.status_code == 202, response.get_json()
    return body["uuid"], elapsed


def stored(app, event_uuid):
    with app.app_context():
        return db.session.execute(select(Event).where(Event.uuid == event_uuid)).scalar_one()


def test_a_10_kb_user_agent_is_cut_and_costs_about_what_an_ordinary_one_does(
        app, client, ingest_key):
    ordinary = [post(client, ingest_key, {"page_url": "https://example.com/"},
                     user_agent=CHROME.replace("131.0", f"131.{n}"))[1] for n in range(5)]
    hostile = []
    for n in range(5):
        junk = f"Mozilla/5.0 ({n}" + "(a" * 5000 + ")" * 10
        event_uuid, elapsed = post(client, ingest_key, {"page_url": "https://example.com/"},
                                   user_agent=junk)
        hostile.append(elapsed)
    assert len(junk) > 10_000
    row = stored(app, event_uuid)
    assert (row.browser, row.device_type, row.is_bot) == (None, None, False)
    assert row.visitor_id.startswith("h:") and row.visit_id is not None
    # Generous: a parser with catastrophic backtracking takes seconds, not 3x.
    assert statistics.median(hostile) < statistics.median(ordinary) * 3 + 0.05


@pytest.mark.parametrize("referrer", [
    "http://[::1", "http://%zz/", "not a url at all", "javascript:alert(1)",
    "https://" + "a" * 1990, "data:text/html,<script>x</script>", "://", "http://:80/",
])
def test_a_malformed_referrer_is_no_referrer(app, client, ingest_key, referrer):
    event_uuid, _ = post(client, ingest_key, {"page_url": "https://example.com/a",
                                              "referrer": referrer})
    row = stored(app, event_uuid)
    assert row.referrer == referrer  # kept as sent
    assert row.referrer_domain is None  # a host over DNS's 253 characters is none either
    assert row.channel == "Direct"


@pytest.mark.parametrize("page_url", [
    "data:text/html,<script>alert(1)</script>", "javascript:alert(document.cookie)",
    "JaVaScRiPt:void(0)", "about:blank", "file:///etc/passwd", "http://[::1",
])
def test_a_data_or_javascript_page_has_no_page(app, client, ingest_key, page_url):
    response = client.post("/api/v1/events", json={
        "name": "page_view", "uuid": str(uuid.uuid4()), "page_url": page_url},
        headers={"X-Ouroboard-Key": ingest_key, "User-Agent": CHROME})
    if response.status_code == 400:  # refused by validation: also a clear answer
        assert "error" in response.get_json()
        return
    assert response.status_code == 202
    with app.app_context():
        row = db.session.execute(select(Event)).scalar_one()
    assert (row.hostname, row.pathname) == (None, None)
    assert row.visit_id is not None  # still a visit, with no entry page


@pytest.mark.parametrize(("ip", "country"), [
    ("2001:4860:4860::8888", "US"), ("::1", None), ("127.0.0.1", None), ("10.1.2.3", None),
    ("192.168.1.20", None), ("172.16.0.5", None), ("fc00::1", None), ("fe80::1", None),
    ("169.254.1.1", None), ("::ffff:8.8.8.8", "US"), ("0.0.0.0", None),  # noqa: S104
])
def test_addresses_of_every_kind_give_a_country_or_unknown(app, client, ingest_key, ip, country):
    event_uuid, _ = post(client, ingest_key, {"page_url": "https://example.com/"}, ip=ip)
    row = stored(app, event_uuid)
    assert row.country == country
    assert row.visitor_id.startswith("h:")


def test_x_forwarded_for_without_trusted_proxies_is_ignored(app, client, ingest_key):
    plain, _ = post(client, ingest_key, {"page_url": "https://example.com/"}, ip="10.0.0.9")
    forged, _ = post(client, ingest_key, {"page_url": "https://example.com/b"}, ip="10.0.0.9",
                     headers={"X-Forwarded-For": "8.8.8.8, 1.1.1.1", "X-Real-IP": "8.8.8.8",
                              "CF-IPCountry": "FR"})
    plain_row, forged_row = stored(app, plain), stored(app, forged)
    # Same visitor (the hash used the socket's address), and no country from either header.
    assert forged_row.visitor_id == plain_row.visitor_id
    assert forged_row.country is None
