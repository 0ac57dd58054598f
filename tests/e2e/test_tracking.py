"""Interactions in the dashboard, and page views from an embedding site, become stored events."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e


def sign_in(page, username="user2", password="password123"):
    page.goto("/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_test_id("current-user")).to_have_text(username)


def test_dashboard_interactions_are_stored(page, live_server):
    user_id = live_server.query("SELECT id FROM users WHERE username = 'user2'")[0][0]
    sign_in(page)
    rows = live_server.wait_for_rows(
        "SELECT name, age_group, gender, session_id FROM events WHERE user_id = ? "
        "AND name IN ('page_view', 'sign_in')", (user_id,), minimum=2)
    names = {row[0] for row in rows}
    assert {"page_view", "sign_in"} <= names
    assert all(row[1] and row[2] and row[3] for row in rows)  # demographics and session copied

    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(re.compile(r"/login$"))
    signed_out = live_server.wait_for_rows(
        "SELECT 1 FROM events WHERE user_id = ? AND name = 'sign_out'", (user_id,))
    assert signed_out, "sign_out must be delivered before the session ends"


def test_events_survive_a_reload_before_they_are_sent(page, live_server):
    user_id = live_server.query("SELECT id FROM users WHERE username = 'user3'")[0][0]
    sign_in(page, "user3")
    # An event still waiting in the tab's queue when the page reloads is sent afterwards.
    page.evaluate("""() => {
        const queue = JSON.parse(sessionStorage.getItem('ouroboard.queue') || '[]');
        queue.push({uuid: crypto.randomUUID(), name: 'reload_probe',
                    timestamp: new Date().toISOString(), session_id: 's', page_url: '/'});
        sessionStorage.setItem('ouroboard.queue', JSON.stringify(queue));
    }""")
    page.reload()
    rows = live_server.wait_for_rows(
        "SELECT 1 FROM events WHERE user_id = ? AND name = 'reload_probe'", (user_id,))
    assert len(rows) == 1


def test_demo_site_sends_page_views_with_a_key(page, live_server):
    raw_key = live_server.flask("keys", "create", "e2e-demo").strip().splitlines()[-1]
    page.goto(f"/demo-site.html?key={raw_key}")
    expect(page.locator("#key-status")).to_contain_text("Sending events")
    expect(page.locator("#log li")).to_have_count(1)
    page.get_by_role("link", name="Pricing").click()
    page.get_by_role("button", name="Start free trial").click()
    rows = live_server.wait_for_rows(
        "SELECT name, page_url, anonymous_id, user_id FROM events WHERE anonymous_id IS NOT NULL "
        "AND (page_url LIKE '%demo-site.html%') ORDER BY id", minimum=3)
    names = [row[0] for row in rows]
    assert names.count("page_view") >= 2
    assert "trial_signup_click" in names
    assert all(row[3] is None for row in rows)  # key events are anonymous
    assert len({row[2] for row in rows}) == 1  # one visitor, one anonymous id
    assert not any(raw_key in row[1] for row in rows), "the key must not leak into page URLs"
    assert any("page=pricing" in row[1] for row in rows)


def embed_tracker(page, raw_key: str, *flags: str) -> None:
    """Embed /t.js on a page of our origin the way a website would, with optional flags."""
    page.goto("/demo-site.html")  # without a key the demo page loads no tracker itself
    page.evaluate("""([key, flags]) => new Promise((resolve) => {
        const script = document.createElement('script');
        script.src = '/t.js';
        script.dataset.key = key;
        for (const flag of flags) script.setAttribute(flag, '');
        script.onload = resolve;
        document.head.appendChild(script);
    })""", [raw_key, list(flags)])


def test_no_storage_mode_keeps_no_anonymous_id(page, live_server):
    raw_key = live_server.flask("keys", "create", "e2e-nostorage").strip().splitlines()[-1]
    embed_tracker(page, raw_key, "data-no-storage")
    page.evaluate("() => window.ouroboard.track('nostorage_probe', {n: 1})")
    rows = live_server.wait_for_rows(
        "SELECT anonymous_id, properties FROM events WHERE name = 'nostorage_probe'")
    assert rows == [(None, '{"n": 1}')]
    assert page.evaluate("() => localStorage.getItem('ouroboard_aid')") is None


def test_do_not_track_is_respected_when_asked(page, live_server):
    raw_key = live_server.flask("keys", "create", "e2e-dnt").strip().splitlines()[-1]
    page.add_init_script("Object.defineProperty(Navigator.prototype, 'doNotTrack', "
                         "{get: () => '1'})")
    embed_tracker(page, raw_key, "data-respect-dnt")
    assert page.evaluate("() => typeof window.ouroboard.track") == "function"
    page.evaluate("() => window.ouroboard.track('dnt_probe')")
    page.wait_for_timeout(1500)
    assert live_server.query("SELECT 1 FROM events WHERE name = 'dnt_probe'") == []


def test_identify_names_the_visitor_and_aliases_their_anonymous_id(page, live_server):
    raw_key = live_server.flask("keys", "create", "e2e-identify").strip().splitlines()[-1]
    embed_tracker(page, raw_key)
    anonymous_id = page.evaluate("() => localStorage.getItem('ouroboard_aid')")
    page.evaluate("() => window.ouroboard.track('before_identify')")
    live_server.wait_for_rows("SELECT 1 FROM events WHERE name = 'before_identify'")
    page.evaluate("() => window.ouroboard.identify('e2e-user-7', {age: 15, gender: 'female', "
                  "plan: 'pro'})")
    people = live_server.wait_for_rows(
        "SELECT d.distinct_id, p.traits FROM person_distinct_ids d "
        "JOIN people p ON p.id = d.person_id WHERE d.distinct_id IN (?, ?) "
        "ORDER BY d.distinct_id", (anonymous_id, "e2e-user-7"), minimum=2)
    page.evaluate("() => window.ouroboard.track('after_identify')")
    after = live_server.wait_for_rows(
        "SELECT anonymous_id, age_group, gender FROM events WHERE name = 'after_identify'")
    assert after == [("e2e-user-7", "<18", "Female")]
    assert sorted(row[0] for row in people) == sorted([anonymous_id, "e2e-user-7"])
    assert '"plan": "pro"' in people[0][1]
    # The anonymous past counts for the person now.
    assert live_server.query("SELECT age_group, gender FROM events WHERE name = 'before_identify'"
                             ) == [("<18", "Female")]
    # Identified across reloads, until reset() forgets them.
    page.reload()
    embed_tracker(page, raw_key)
    page.evaluate("() => window.ouroboard.track('after_reload')")
    assert live_server.wait_for_rows(
        "SELECT anonymous_id FROM events WHERE name = 'after_reload'") == [("e2e-user-7",)]
    page.evaluate("() => window.ouroboard.reset()")
    page.evaluate("() => window.ouroboard.track('after_reset')")
    (reset_id,) = live_server.wait_for_rows(
        "SELECT anonymous_id FROM events WHERE name = 'after_reset'")[0]
    assert reset_id not in (anonymous_id, "e2e-user-7")
