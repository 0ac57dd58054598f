"""Plausible's Events API (app/trackers/plausible.py): plausible-tracker itself in Chromium,
the documented request shapes, a key's site domain set through the key settings API, and
bad input, which is a 4xx JSON answer and stores nothing.
"""

import json
import threading
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import IngestKey
from app.track.keys import create_key, revoke_key
from tests.e2e.conftest import CHROMIUM_FLAGS, chromium_path, unavailable
from tests.helpers import stored_events
from tests.projects.conftest import Person

ROOT = Path(__file__).resolve().parents[2]
TRACKER = ROOT / "frontend" / "node_modules" / "plausible-tracker" / "build" / "module"
SITE = "http://www.example.com"
CHROME_UA = ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
             "Chrome/126.0.0.0 Safari/537.36")


@pytest.fixture
def app(make_app):
    """The app, admitting the test site's origin as INGEST_CORS_ORIGINS says."""
    return make_app(INGEST_CORS_ORIGINS=[SITE])


@pytest.fixture
def site_key(app, ingest_key):
    """(project id, raw key) of the ingestion key holding the site domain example.com."""
    project_id, raw_key = ingest_key
    with app.app_context():
        key = db.session.execute(select(IngestKey).where(
            IngestKey.name == "tracker-tests")).scalar_one()
        key.site_domain = "example.com"
        db.session.commit()
    return project_id, raw_key



def send(client, body, content_type="application/json", **headers):
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    return client.post("/api/event", data=data, content_type=content_type,
                       headers={"User-Agent": CHROME_UA, **headers})


# --- plausible-tracker in Chromium ------------------------------------------------------------

def site_page(live_url: str) -> str:
    """A page of www.example.com that loads plausible-tracker as its README shows."""
    return f"""<!doctype html><html><head><title>Pricing</title></head><body>
<script type="module">
import Plausible from '/plausible/index.js';
const plausible = Plausible({{ apiHost: '{live_url}' }});
window.sent = 0;
const done = () => {{ window.sent += 1; }};
plausible.trackPageview({{}}, {{ callback: done }});
plausible.trackEvent('Signup', {{ props: {{ plan: 'pro' }}, callback: done }});
</script></body></html>"""


@pytest.fixture
def website(live_url):
    """www.example.com, served on a local port: the test page and the tracker's modules."""
    page = site_page(live_url).encode()

    class Site(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - the http.server interface
            if self.path.startswith("/plausible/"):
                module = self.path.removeprefix("/plausible/").removesuffix(".js") + ".js"
                body, kind = (TRACKER / module).read_bytes(), "text/javascript"
            else:
                body, kind = page, "text/html"
            self.send_response(200)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Site)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_port
    server.shutdown()


def test_plausible_tracker_in_chromium_stores_its_page_view_and_event(app, site_key, website):
    executable = chromium_path()
    if executable is None:
        unavailable("Chromium not found: apt-get install -y chromium")
    if not TRACKER.is_dir():
        unavailable("plausible-tracker is not installed: cd frontend && npm ci")
    from playwright.sync_api import sync_playwright

    project_id, _ = site_key
    problems = []

    def visit() -> None:
        with sync_playwright() as playwright:
            # www.example.com resolves to the local site server, so the page is a real
            # cross-origin site posting to the live server, as in production.
            browser = playwright.chromium.launch(executable_path=executable, args=[
                *CHROMIUM_FLAGS,
                f"--host-resolver-rules=MAP www.example.com 127.0.0.1:{website}"])
            try:
                page = browser.new_page(user_agent=CHROME_UA)  # HeadlessChrome is a bot
                page.on("console", lambda message: problems.append(message.text)
                        if message.type == "error" else None)
                page.goto(f"{SITE}/pricing?utm_source=newsletter",
                          referer="https://news.ycombinator.com/item?id=1")
                page.wait_for_function("window.sent === 2", timeout=15_000)
            finally:
                browser.close()

    # In a thread of its own: the browser tests' session-wide Playwright keeps this
    # thread's event loop, and a second sync Playwright refuses to run inside it.
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(visit).result(timeout=120)
    assert problems == []  # CORS admitted the answers
    by_name = {event.name: event for event in stored_events(app)}  # sent at once
    assert sorted(by_name) == ["Signup", "page_view"]
    view, signup = by_name["page_view"], by_name["Signup"]
    assert view.project_id == signup.project_id == project_id
    assert view.page_url == f"{SITE}/pricing?utm_source=newsletter"
    assert view.referrer == "https://news.ycombinator.com/item?id=1"
    assert (view.pathname, view.utm_source) == ("/pricing", "newsletter")
    assert view.anonymous_id is None and view.visitor_id.startswith("h:")
    assert view.is_bot is False
    assert signup.properties == {"plan": "pro"}
    assert signup.visitor_id == view.visitor_id  # one cookieless visitor, as Plausible counts


# --- The documented request shapes ------------------------------------------------------------

def test_events_api_long_names_with_props_and_revenue(app, client, site_key):
    response = send(client, {"name": "Purchase", "url": "https://example.com/checkout",
                             "domain": "example.com", "referrer": "https://google.com/",
                             "props": {"plan": "pro", "seats": 3},
                             "revenue": {"amount": "19.99", "currency": "eur"}})
    assert response.status_code == 202
    assert response.get_data(as_text=True) == "ok"
    assert response.mimetype == "text/plain"
    (event,) = stored_events(app)
    assert event.name == "Purchase" and event.project_id == site_key[0]
    assert event.referrer == "https://google.com/"
    assert event.properties == {"plan": "pro", "seats": 3, "revenue_amount": "19.99",
                                "revenue_currency": "EUR"}


def test_script_short_names_as_text_plain(app, client, site_key):
    body = {"n": "pageview", "u": "https://www.example.com/docs#intro", "d": "www.example.com",
            "r": None, "w": 1440, "h": 1, "i": True, "v": 20,
            "p": json.dumps({"author": "ann"}), "$": json.dumps({"amount": 5, "currency": "USD"})}
    assert send(client, body, content_type="text/plain").status_code == 202
    (event,) = stored_events(app)
    assert (event.name, event.page_url, event.referrer) == (
        "page_view", "https://www.example.com/docs#intro", None)
    assert event.properties == {"author": "ann", "revenue_amount": "5",
                                "revenue_currency": "USD"}


def test_older_scripts_meta_is_props(app, client, site_key):
    assert send(client, {"n": "Download", "u": "https://example.com/", "d": "example.com",
                         "m": '{"file": "a.pdf"}'}).status_code == 202
    assert stored_events(app)[0].properties == {"file": "a.pdf"}


def test_the_first_mapped_domain_of_a_list_takes_the_event(app, client, site_key):
    body = {"n": "pageview", "u": "https://blog.example.org/", "d": "unknown.net,example.com"}
    assert send(client, body).status_code == 202
    assert stored_events(app)[0].project_id == site_key[0]


def test_without_a_domain_the_urls_host_names_the_site(app, client, site_key):
    assert send(client, {"n": "pageview", "u": "https://www.example.com:8443/a"}
                ).status_code == 202
    assert len(stored_events(app)) == 1


def test_engagement_events_are_answered_but_not_kept(app, client, site_key):
    response = send(client, {"n": "engagement", "u": "https://example.com/", "d": "example.com",
                             "sd": 80, "e": 12000})
    assert (response.status_code, response.get_data(as_text=True)) == (202, "ok")
    assert stored_events(app) == []


def test_each_post_is_an_event_as_plausible_sends_no_message_id(app, client, site_key):
    body = {"n": "pageview", "u": "https://example.com/", "d": "example.com"}
    assert [send(client, body).status_code for _ in range(2)] == [202, 202]
    first, second = stored_events(app)
    assert first.uuid != second.uuid and first.visitor_id == second.visitor_id


def test_bots_are_stored_and_flagged(app, client, site_key):
    send(client, {"n": "pageview", "u": "https://example.com/", "d": "example.com"},
         **{"User-Agent": "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"})
    assert stored_events(app)[0].is_bot is True


# --- Bad input: 4xx JSON, nothing stored ------------------------------------------------------

def test_an_unknown_domain_is_401(app, client, site_key):
    response = send(client, {"n": "pageview", "u": "https://other.org/", "d": "other.org"})
    assert response.status_code == 401
    assert response.get_json()["details"] == {"domain": ["other.org"]}
    assert stored_events(app) == []


def test_a_revoked_keys_domain_no_longer_maps(app, client, site_key):
    with app.app_context():
        revoke_key(site_key[0], "tracker-tests")
    assert send(client, {"n": "pageview", "u": "https://example.com/", "d": "example.com"}
                ).status_code == 401


@pytest.mark.parametrize("body, field", [
    ({"u": "https://example.com/", "d": "example.com"}, "name"),
    ({"n": "pageview", "d": "example.com"}, "url"),
    ({"n": 5, "u": "https://example.com/", "d": "example.com"}, "n"),
    ({"n": "pageview", "u": ["https://example.com/"], "d": "example.com"}, "u"),
    ({"n": "pageview", "u": "https://example.com/", "d": {"x": 1}}, "d"),
    ({"n": "x", "u": "https://example.com/", "d": "example.com", "p": "{not json"}, "p"),
    ({"n": "x", "u": "https://example.com/", "d": "example.com", "p": "[1, 2]"}, "p"),
    ({"n": "x", "u": "https://example.com/", "d": "example.com", "props": 7}, "props"),
    ({"n": "x", "u": "https://example.com/", "d": "example.com", "p": "[" * 40 + "]" * 40}, "p"),
    ({"n": "x", "u": "https://example.com/", "d": "example.com",
      "revenue": {"amount": "lots", "currency": "EUR"}}, "revenue"),
    ({"n": "x", "u": "https://example.com/", "d": "example.com",
      "$": {"amount": 3, "currency": "euro"}}, "revenue"),
    ({"n": "x", "u": "https://example.com/", "d": "example.com",
      "revenue": {"amount": "NaN", "currency": "EUR"}}, "revenue"),
    ({"n": "x", "u": "https://example.com/", "d": "example.com",
      "props": {"blob": "x" * 9000}}, "properties"),
    ({"n": "x", "u": "https://example.com/" + "a" * 2000, "d": "example.com"}, "page_url"),
])
def test_invalid_events_are_400_with_the_field(app, client, site_key, body, field):
    response = send(client, body)
    assert response.status_code == 400, response.get_json()
    assert field in response.get_json()["details"]
    assert stored_events(app) == []


@pytest.mark.parametrize("raw, content_type", [
    ("{not json", "text/plain"), ('{"n": "pageview", "u": NaN}', "application/json"),
    ('["pageview"]', "text/plain"), ("", "text/plain"), ("ok", "text/html")])
def test_malformed_bodies_are_4xx_json(app, client, site_key, raw, content_type):
    response = send(client, raw, content_type=content_type)
    assert response.status_code in (400, 415)
    assert response.get_json()["error"]
    assert stored_events(app) == []


def test_the_site_domain_draws_on_one_rate_limit(make_app):
    limited = make_app(INGEST_RATE_LIMIT="2 per minute")
    with limited.app_context():
        from app.projects.builtin import self_tracking_project_id

        key, _ = create_key(self_tracking_project_id(), "limited", site_domain="example.com")
        db.session.commit()
    client = limited.test_client()
    body = {"n": "pageview", "u": "https://example.com/", "d": "example.com"}
    assert [send(client, body).status_code for _ in range(3)] == [202, 202, 429]
    assert send(client, {**body, "d": "elsewhere.org"}).status_code == 401  # its own bucket
    assert send(client, body).get_json()["error"]
    # Other spellings of the same site, and a URL naming it, draw on the same budget.
    for spelling in ({"d": "EXAMPLE.com,other.org"}, {"d": "https://www.example.com/x"},
                     {"d": None}):
        assert send(client, {**body, **spelling}).status_code == 429, spelling


# --- The site domain in the key settings -------------------------------------------------------

@pytest.fixture
def owner(app):
    """The instance's first account: the owner of the self-tracking project."""
    return Person(app, "owner")


def test_a_key_created_with_a_site_domain_takes_its_events(app, client, owner):
    created = owner.post("/projects/ouroboard/keys",
                         json={"name": "site", "siteDomain": "https://WWW.Example.com/"})
    assert created.status_code == 201
    assert created.get_json()["siteDomain"] == "example.com"
    assert send(client, {"n": "pageview", "u": "https://example.com/", "d": "example.com"}
                ).status_code == 202
    listed = owner.get("/projects/ouroboard/keys").get_json()["keys"]
    assert [key["siteDomain"] for key in listed] == ["example.com"]


def test_setting_and_clearing_a_keys_site_domain(app, client, owner):
    key = owner.post("/projects/ouroboard/keys", json={"name": "site"}).get_json()
    body = {"n": "pageview", "u": "https://shop.example.net/", "d": "shop.example.net"}
    assert send(client, body).status_code == 401  # remembered as unknown for a while...
    updated = owner.patch(f"/projects/ouroboard/keys/{key['id']}",
                          json={"siteDomain": "Shop.Example.net:443"})
    assert updated.status_code == 200
    assert updated.get_json()["siteDomain"] == "shop.example.net"
    assert send(client, body).status_code == 202  # ...but not past a change in this worker
    cleared = owner.patch(f"/projects/ouroboard/keys/{key['id']}", json={"siteDomain": None})
    assert cleared.get_json()["siteDomain"] is None
    assert send(client, body).status_code == 401


def test_a_domain_belongs_to_one_key(app, owner):
    first = owner.post("/projects/ouroboard/keys",
                       json={"name": "one", "siteDomain": "example.com"}).get_json()
    second = owner.post("/projects/ouroboard/keys", json={"name": "two"}).get_json()
    taken = owner.patch(f"/projects/ouroboard/keys/{second['id']}",
                        json={"siteDomain": "www.example.com"})
    assert taken.status_code == 409
    assert "example.com" in taken.get_json()["error"]
    assert owner.post("/projects/ouroboard/keys", json={
        "name": "three", "siteDomain": "example.com"}).status_code == 409
    again = owner.patch(f"/projects/ouroboard/keys/{first['id']}",
                        json={"siteDomain": "example.com"})
    assert again.status_code == 200  # its own domain again is no conflict
    assert owner.delete(f"/projects/ouroboard/keys/{first['id']}").status_code == 204
    freed = owner.patch(f"/projects/ouroboard/keys/{second['id']}",
                        json={"siteDomain": "example.com"})
    assert freed.status_code == 200  # revoking a key frees its domain
    assert owner.patch(f"/projects/ouroboard/keys/{first['id']}",
                       json={"siteDomain": "other.org"}).status_code == 404


@pytest.mark.parametrize("body", [{}, {"siteDomain": "not a domain"}, {"siteDomain": 5},
                                  {"siteDomain": "a..b"}, {"siteDomain": "x" * 300},
                                  {"siteDomain": "example.com", "name": "renamed"}])
def test_invalid_site_domains_are_400(app, owner, body):
    key = owner.post("/projects/ouroboard/keys", json={"name": "site"}).get_json()
    response = owner.patch(f"/projects/ouroboard/keys/{key['id']}", json=body)
    assert response.status_code == 400
    assert response.get_json()["error"]


def test_only_admins_set_a_site_domain(app, owner):
    key = owner.post("/projects/ouroboard/keys", json={"name": "site"}).get_json()
    outsider = Person(app, "outsider")
    response = outsider.patch(f"/projects/ouroboard/keys/{key['id']}",
                              json={"siteDomain": "example.com"})
    assert response.status_code in (403, 404)
    assert owner.get("/projects/ouroboard/keys").get_json()["keys"][0]["siteDomain"] is None


def test_under_the_queue_events_are_stored_by_the_writer(make_app, redis_url):
    import uuid

    import redis

    from app.projects.builtin import self_tracking_project_id
    from app.track.queue_writer import QueueWriter

    stream = f"test:ingest:{uuid.uuid4().hex}"
    queued = make_app(INGEST_QUEUE="redis", REDIS_URL=redis_url, INGEST_QUEUE_STREAM=stream)
    try:
        with queued.app_context():
            create_key(self_tracking_project_id(), "queued", site_domain="example.com")
        response = send(queued.test_client(), {"n": "pageview", "u": "https://example.com/",
                                               "d": "example.com"}, content_type="text/plain")
        assert (response.status_code, response.get_data(as_text=True)) == (202, "ok")
        assert stored_events(queued) == []
        assert QueueWriter(queued, "writer-a").drain() == 1
        assert [event.name for event in stored_events(queued)] == ["page_view"]
    finally:
        redis.Redis.from_url(redis_url).delete(stream, stream + ":dead")
