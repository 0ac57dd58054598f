"""Website analytics in Chromium: a small site's visits, sent through /api/v1/events with its
ingestion key as a tracker or a server would send them (User-Agents, referrers, UTM tags, a
CDN's country header, a crawler), open on the web cards and panels with exactly their
figures; clicking a country filters the whole dashboard, and its chip removes the filter.

This module runs its own server: the shared one trusts no proxy, so every event there would
come from 127.0.0.1 and have no country. Here TRUSTED_PROXIES=1 lets the test speak as the
CDN in front of the app and name each visitor's country (CF-IPCountry).
"""

import os
import re
import subprocess
import sys
import time
import urllib.request
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import DIST, ROOT, LiveServer, free_port, unavailable

pytestmark = pytest.mark.e2e

PASSWORD = "browser-pass-123"
SITE = "https://shop.example"
CHROME_WINDOWS = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
                  "(KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36")
SAFARI_IPHONE = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
                 "(KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1")
FIREFOX_MAC = ("Mozilla/5.0 (Macintosh; Intel Mac OS X 14.4; rv:125.0) Gecko/20100101 "
               "Firefox/125.0")
CHROME_ANDROID = ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 "
                  "(KHTML, like Gecko) Chrome/124.0.0.0 Mobile Safari/537.36")
GOOGLEBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"

# Four visitors, one visit each, and a crawler. Per visit: (User-Agent, country, referrer,
# [(seconds after the visit's start, event name, page)]).
VISITS = [
    # Germany, desktop: from the newsletter, two pages in a minute.
    (CHROME_WINDOWS, "DE", None,
     [(0, "page_view", "/?utm_source=newsletter&utm_medium=email&utm_campaign=spring"),
      (60, "page_view", "/pricing")]),
    # Germany, mobile: from a search, one page (a bounce).
    (SAFARI_IPHONE, "DE", "https://www.google.com/search?q=shop",
     [(0, "page_view", "/blog/post")]),
    # France, desktop: from another site, two pages and a click over two minutes.
    (FIREFOX_MAC, "FR", "https://news.ycombinator.com/item?id=1",
     [(0, "page_view", "/"), (60, "page_view", "/pricing"), (120, "signup_click", "/pricing")]),
    # The United States, mobile: typed in, one page (a bounce).
    (CHROME_ANDROID, "US", None, [(0, "page_view", "/")]),
]
CRAWL = (GOOGLEBOT, None, None, [(0, "page_view", "/")])


@pytest.fixture(scope="module")
def live_server(tmp_path_factory):
    """This module's own gunicorn (see the module docstring): a fresh SQLite file, no demo
    data, and one trusted proxy."""
    if not (DIST / "index.html").is_file():
        unavailable("frontend/dist is missing: run `make build`")
    workdir = tmp_path_factory.mktemp("live-web")
    port = free_port()
    env = {**os.environ, "APP_ENV": "development", "DATABASE_URL": f"sqlite:///{workdir}/e2e.db",
           "INSTANCE_DIR": str(workdir), "PORT": str(port), "HOST": "127.0.0.1",
           "WEB_CONCURRENCY": "2", "FLASK_APP": "wsgi.py", "TRUSTED_PROXIES": "1",
           "GUNICORN_GRACEFUL_TIMEOUT": "2",
           "JWT_SECRET_KEY": "e2e-secret-key-that-is-long-enough-123456"}
    python_bin = Path(sys.executable).parent
    subprocess.run([python_bin / "flask", "db", "upgrade"], cwd=ROOT, env=env, check=True,
                   capture_output=True)
    log = (workdir / "gunicorn.log").open("w")
    server = subprocess.Popen([python_bin / "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"],
                              cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    base_url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{base_url}/health", timeout=1) as response:  # noqa: S310
                if response.status == 200:
                    break
        except OSError:
            time.sleep(0.2)
    else:
        server.terminate()
        pytest.fail(f"gunicorn did not start; log: {(workdir / 'gunicorn.log').read_text()}")
    yield LiveServer(url=base_url, database_path=workdir / "e2e.db", env=env)
    server.terminate()
    server.wait(timeout=30)
    log.close()


def register_and_create_site(page, suffix: str) -> tuple[str, str]:
    """A new account creates a project from the header; return (slug, ingestion key)."""
    page.goto("/register")
    page.get_by_label("Username").fill(f"web_{suffix}")
    page.get_by_label("Password (8 characters or more)").fill(PASSWORD)
    page.get_by_label("Age").fill("34")
    page.get_by_label("Gender").select_option("Female")
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_test_id("current-user")).to_have_text(f"web_{suffix}")
    page.get_by_role("link", name="New project").click()
    page.get_by_label("Project name").fill(f"Shop {suffix}")
    page.get_by_label("Time zone").select_option("Europe/Paris")
    page.get_by_role("button", name="Create project").click()
    snippet = page.get_by_test_id("tracker-snippet")
    expect(snippet).to_have_value(re.compile(r'data-key="obk_'))
    key = re.search(r'data-key="([^"]+)"', snippet.input_value()).group(1)
    page.get_by_role("button", name="Open the dashboard").click()
    expect(page).to_have_url(re.compile(r"\?project=[a-z0-9-]+"))
    return re.search(r"project=([a-z0-9-]+)", page.url).group(1), key


def send_visit(browser, live_server, key: str, visit, start: datetime) -> None:
    """One visitor's events in one batch, from their browser as the CDN forwards it: their
    User-Agent, and their country in the CDN's header."""
    user_agent, country, referrer, steps = visit
    headers = {"User-Agent": user_agent, **({"CF-IPCountry": country} if country else {})}
    visitor = str(uuid.uuid4())
    events = [{"name": name, "uuid": str(uuid.uuid4()), "anonymous_id": visitor,
               "timestamp": (start + timedelta(seconds=offset)).isoformat(),
               "page_url": f"{SITE}{path}", **({"referrer": referrer} if referrer else {})}
              for offset, name, path in steps]
    context = browser.new_context(base_url=live_server.url, extra_http_headers=headers)
    try:
        response = context.request.post("/api/v1/events", data={"key": key, "events": events})
        assert response.status == 202, response.text()
        assert response.json()["accepted"] == len(events)
    finally:
        context.close()


def expect_text(page, test_id: str, text: str, timeout: float = 15.0) -> None:
    """A figure reaches `text`. Each gunicorn worker caches answers for about a second, so
    refresh until it shows (as a person would), then assert it."""
    deadline = time.monotonic() + timeout
    figure = page.get_by_test_id(test_id)
    while figure.inner_text() != text and time.monotonic() < deadline:
        page.get_by_role("button", name="Refresh data").click()
        page.wait_for_timeout(500)
    expect(figure).to_have_text(text)


def country_rows(page) -> list[str]:
    return page.get_by_test_id("web-rows-countries").get_by_role("button").evaluate_all(
        "rows => rows.map(row => row.getAttribute('aria-label'))")


def expect_cards(page, **figures: str) -> None:
    for name, text in figures.items():
        expect_text(page, f"web-card-{name.replace('_', '-')}", text)


def test_a_site_opens_on_its_visitors_and_a_country_filters_everything(page, browser,
                                                                       live_server,
                                                                       artifacts_dir):
    slug, key = register_and_create_site(page, uuid.uuid4().hex[:6])
    first_start = datetime.now(UTC) - timedelta(minutes=30)
    for number, visit in enumerate([*VISITS, CRAWL]):
        send_visit(browser, live_server, key, visit, first_start + timedelta(minutes=number))
    page.goto(f"/?project={slug}")

    # The web figures come first, above the feature panels.
    expect_cards(page, visitors="4", visits="4", pageviews="6", views_per_visit="1.5",
                 bounce_rate="50%", visit_duration="45s")
    expect(page.get_by_test_id("web-bot-events")).to_have_text("1 bot event excluded")
    web_top = page.get_by_test_id("web-cards").bounding_box()["y"]
    assert web_top < page.get_by_test_id("card-total").bounding_box()["y"]
    expect_text(page, "card-total", "7")  # every non-bot event, the click included

    countries = page.get_by_test_id("web-rows-countries")
    expect(countries.get_by_role("button")).to_have_count(3)
    assert country_rows(page) == [
        "Country Germany (DE): 2 visits, 50%. Filter by it",
        "Country France (FR): 1 visits, 25%. Filter by it",
        "Country United States (US): 1 visits, 25%. Filter by it",
    ]
    expect(countries.get_by_role("button").first).to_contain_text("🇩🇪")
    pages = page.get_by_test_id("web-rows-pages").get_by_role("button")
    expect(pages.first).to_have_attribute("data-value", "/")
    expect(pages.first).to_contain_text("3")
    sources = page.get_by_test_id("web-panel-sources")
    email = sources.get_by_role("button", name=re.compile(r"^Channel Email: 1 visits"))
    expect(email).to_be_visible()
    sources.get_by_role("tab", name="Referrers").click()
    google = sources.get_by_role("button", name=re.compile(r"^Referrer google\.com: 1 visits"))
    expect(google).to_be_visible()
    page.get_by_test_id("web-panel-devices").get_by_role("tab", name="Device type").click()
    expect(page.get_by_test_id("web-rows-devices").get_by_role("button")).to_have_text(
        [re.compile(r"^Desktop\s*2\s*50%$"), re.compile(r"^Mobile\s*2\s*50%$")])
    page.screenshot(path=artifacts_dir / "web-dashboard.png", full_page=True)

    # A country's row filters the whole dashboard, in the URL and in every request.
    with page.expect_response(lambda r: "/analytics/summary" in r.url and "country=DE" in r.url):
        countries.get_by_role("button", name=re.compile(r"^Country Germany")).click()
    expect(page).to_have_url(re.compile(rf"\?project={slug}&country=DE$"))
    chip = page.get_by_test_id("web-chip-country")
    expect(chip).to_contain_text("Country is DE")
    expect_cards(page, visitors="2", visits="2", pageviews="3", bounce_rate="50%",
                 visit_duration="30s")
    expect(countries.get_by_role("button")).to_have_count(1)
    expect_text(page, "card-total", "3")
    page.screenshot(path=artifacts_dir / "web-dashboard-filtered.png", full_page=True)

    # The chip's × removes the filter, and the figures come back.
    page.get_by_role("button", name="Remove filter: Country is DE").click()
    expect(page.get_by_test_id("web-filter-chips")).to_have_count(0)
    expect(page).to_have_url(re.compile(rf"\?project={slug}$"))
    expect_cards(page, visitors="4", pageviews="6")
    expect(countries.get_by_role("button")).to_have_count(3)

    # On a phone the chips, cards and panels fit the width.
    countries.get_by_role("button", name=re.compile(r"^Country France")).click()
    expect(page.get_by_test_id("web-chip-country")).to_contain_text("Country is FR")
    page.set_viewport_size({"width": 360, "height": 780})
    expect_cards(page, visitors="1")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 360
    page.screenshot(path=artifacts_dir / "web-dashboard-phone.png", full_page=True)
