"""A newcomer's first visit on the seeded demo, in Chromium: the sign-in and register pages
and the dashboard log nothing in the console and no request fails, and every panel shows
data within 1.5 s of signing in."""

import json
import time

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

TIME_TO_DATA_GOAL_MS = 1500
# Each panel, and what it shows once its data is there.
PANELS = {
    "cards": "[data-testid=card-total]",
    "features": "[data-testid=feature-chart] rect[data-feature]",
    "trend": "[data-testid=trend-chart] path.recharts-line-curve",
    "age": "[data-testid=breakdown-age] .recharts-bar-rectangle",
    "gender": "[data-testid=breakdown-gender] .recharts-bar-rectangle",
    "top pages": "[data-testid=top-pages] tbody tr",
    "recent": "[data-testid=recent-events] tbody tr",
}
# Notes, on every frame from the click on, when each panel first shows data.
WATCH_PANELS = """(panels) => {
  window.__panelsShown = {};
  window.__signInStarted = performance.now();
  const look = () => {
    for (const [name, selector] of Object.entries(panels)) {
      const element = window.__panelsShown[name] === undefined && document.querySelector(selector);
      // The cards show a number once the summary is in (a dash or nothing before).
      if (element && (name !== "cards" || /\\d/.test(element.textContent))) {
        window.__panelsShown[name] = performance.now() - window.__signInStarted;
      }
    }
    if (Object.keys(window.__panelsShown).length < Object.keys(panels).length) {
      requestAnimationFrame(look);
    }
  };
  requestAnimationFrame(look);
}"""


def new_page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 800})
    context.set_default_timeout(10_000)
    return context, context.new_page()


def fill_sign_in(page, username: str) -> None:
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill("password123")


def sign_in_and_time_panels(page, username: str) -> dict[str, float]:
    """Sign in from the login page; milliseconds from the click until each panel showed
    data."""
    fill_sign_in(page, username)
    page.evaluate(WATCH_PANELS, PANELS)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_function(
        f"() => Object.keys(window.__panelsShown).length === {len(PANELS)}")
    return page.evaluate("() => window.__panelsShown")


def test_first_load_logs_nothing_in_the_console_and_no_request_fails(browser, live_server):
    """Signed out, the session probe answers 200 (GET /me would be a 401 the browser logs);
    nothing else expected, such as the demo login, fails either."""
    context, page = new_page(browser, live_server)
    logged, failed = [], []
    page.on("console", lambda message: logged.append(f"{message.type}: {message.text}")
            if message.type in ("error", "warning") else None)
    page.on("pageerror", lambda error: logged.append(f"uncaught: {error}"))
    page.on("response", lambda response: failed.append(f"{response.status} {response.url}")
            if response.status >= 400 else None)
    try:
        page.goto("/")
        expect(page.get_by_test_id("demo-credentials")).to_be_visible()
        page.get_by_role("link", name="Create an account").click()
        expect(page.get_by_role("button", name="Create account")).to_be_visible()
        page.get_by_role("link", name="Sign in").click()
        sign_in_and_time_panels(page, "user20")
        page.wait_for_timeout(1000)  # the live stream connects, the first clicks are sent
    finally:
        context.close()
    assert logged == []
    assert failed == []


def test_every_panel_shows_data_within_1500_ms_of_sign_in(browser, live_server, artifacts_dir):
    """The fastest of three sign-ins (each in a fresh browser, after the login page has
    loaded as it does while someone types) has every panel showing data within the goal: a
    waterfall or a panel held back after its data arrived shows in every attempt, while a
    busy machine slows only some."""
    attempts = []
    for username in ("user21", "user22", "user23"):
        context, page = new_page(browser, live_server)
        try:
            page.goto("/login")
            page.wait_for_load_state("networkidle")
            attempts.append(sign_in_and_time_panels(page, username))
        finally:
            context.close()
        if max(attempts[-1].values()) <= TIME_TO_DATA_GOAL_MS:
            break
        time.sleep(1)
    fastest = min(attempts, key=lambda shown: max(shown.values()))
    (artifacts_dir / "first-run-panels.json").write_text(json.dumps(attempts, indent=1))
    report = "; ".join(", ".join(f"{name} {ms:.0f}" for name, ms in
                                 sorted(shown.items(), key=lambda item: item[1]))
                       for shown in attempts)
    print(f"\npanels with data after sign-in (ms): {report}")
    assert max(fastest.values()) <= TIME_TO_DATA_GOAL_MS, report
