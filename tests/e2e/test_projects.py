"""Projects in Chromium: a person creates a project and copies its tracker snippet, invites a
teammate who registers through the link in a second browser, the teammate (a viewer) cannot
reach settings, a share link shows the dashboard to a logged-out visitor, and revoking the
link ends that access."""

import re
import time
import uuid
from contextlib import contextmanager
from datetime import UTC, datetime

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

PASSWORD = "browser-pass-123"
# The share page re-checks its link every 10 s (SHARE_CHECK_MS in the dashboard).
SHARE_RECHECK_TIMEOUT_MS = 20_000


@contextmanager
def browser_context(browser, live_server):
    """Another browser, with its own cookies: a second person, or a logged-out visitor."""
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 800})
    context.set_default_timeout(10_000)
    try:
        yield context
    finally:
        context.close()


def fill_registration(page, username: str) -> None:
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password (8 characters or more)").fill(PASSWORD)
    page.get_by_label("Age").fill("34")
    page.get_by_label("Gender").select_option("Female")


def register(page, username: str) -> None:
    page.goto("/register")
    fill_registration(page, username)
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_test_id("current-user")).to_have_text(username)


def send_event(browser, live_server, key: str, name: str) -> None:
    """What a website's tracker does: one event with the project's ingestion key, no cookies."""
    with browser_context(browser, live_server) as site:
        response = site.request.post("/api/v1/events", data={
            "key": key,
            "events": [{"name": name, "uuid": str(uuid.uuid4()),
                        "timestamp": datetime.now(UTC).isoformat()}],
        })
        assert response.status in (200, 201, 202), response.text()
        assert response.json()["accepted"] == 1


def expect_total(page, total: int, timeout: float = 15.0) -> None:
    """The summary card reaches `total`. Without Redis each gunicorn worker caches answers for
    about a second and learns of the other's ingests from its table watcher, so refresh until
    it shows (as a person would), then assert it."""
    deadline = time.monotonic() + timeout
    card = page.get_by_test_id("card-total")
    while card.inner_text() != str(total) and time.monotonic() < deadline:
        page.get_by_role("button", name="Refresh data").click()
        page.wait_for_timeout(500)
    expect(card).to_have_text(str(total))


def create_project(page, name: str) -> tuple[str, str]:
    """Create a project from the header and copy its snippet; return (slug, ingestion key)."""
    page.get_by_role("link", name="New project").click()
    page.get_by_label("Project name").fill(name)
    page.get_by_label("Time zone").select_option("Europe/Paris")
    page.get_by_role("button", name="Create project").click()
    expect(page.get_by_test_id("project-created")).to_contain_text(f"{name} is ready")
    snippet = page.get_by_test_id("tracker-snippet")
    expect(snippet).to_have_value(re.compile(r'data-key="obk_'))
    value = snippet.input_value()
    assert f'src="{page.url.split("/projects")[0]}/t.js"' in value
    key = re.search(r'data-key="([^"]+)"', value).group(1)
    page.get_by_role("button", name="Open the dashboard").click()
    expect(page).to_have_url(re.compile(r"\?project=[a-z0-9-]+"))
    slug = re.search(r"project=([a-z0-9-]+)", page.url).group(1)
    expect(page.get_by_test_id("project-name")).to_have_text(name)
    return slug, key


def test_create_invite_viewer_share_and_revoke(page, browser, live_server, artifacts_dir):
    suffix = uuid.uuid4().hex[:6]
    owner, teammate = f"own_{suffix}", f"mate_{suffix}"
    name = f"Shop {suffix}"

    register(page, owner)
    slug, key = create_project(page, name)
    expect(page.get_by_label("Project", exact=True)).to_have_value(slug)
    send_event(browser, live_server, key, "checkout_click")
    expect_total(page, 1)
    expect(page.get_by_test_id("card-top")).to_have_text("checkout_click")
    page.screenshot(path=artifacts_dir / "project-dashboard.png", full_page=True)

    # Settings: invite a viewer.
    page.get_by_test_id("settings-link").click()
    expect(page.get_by_role("heading", name=f"{name}: settings")).to_be_visible()
    expect(page.get_by_test_id("keys-table")).to_contain_text("website")
    invitations = page.get_by_test_id("invitations")
    invitations.get_by_label("Role").select_option("viewer")
    invitations.get_by_role("button", name="Create invitation").click()
    accept_url = page.get_by_test_id("invitation-link").input_value()
    assert re.search(r"/invite/obi_[A-Za-z0-9_-]{43}$", accept_url), accept_url
    expect(page.get_by_test_id("invitations-table")).to_contain_text("pending")

    # The teammate opens the link in another browser, registers through it and lands on the
    # project's dashboard as a viewer, who neither sees nor reaches the settings.
    with browser_context(browser, live_server) as other:
        mate = other.new_page()
        mate.goto(accept_url)
        expect(mate.get_by_role("heading", name=f"Join {name}")).to_be_visible()
        expect(mate.get_by_test_id("invitation-role")).to_have_text("viewer")
        mate.get_by_role("link", name="Create an account and join").click()
        expect(mate.get_by_text(f"You are joining {name} as viewer.")).to_be_visible()
        fill_registration(mate, teammate)
        mate.get_by_role("button", name="Create account and join").click()
        expect(mate.get_by_test_id("current-user")).to_have_text(teammate)
        expect(mate).to_have_url(re.compile(rf"\?project={slug}"))
        expect(mate.get_by_test_id("project-name")).to_have_text(name)
        expect(mate.get_by_test_id("card-total")).to_have_text("1")
        expect(mate.get_by_test_id("settings-link")).to_have_count(0)
        mate.goto(f"/settings/{slug}")
        expect(mate.get_by_role("heading", name="You need the admin role")).to_be_visible()
        expect(mate.get_by_test_id("settings-forbidden")).to_contain_text("viewer")
        expect(mate.get_by_test_id("members")).to_have_count(0)
        mate.screenshot(path=artifacts_dir / "settings-viewer.png", full_page=True)
        # The link worked once.
        mate.goto(accept_url)
        expect(mate.get_by_test_id("invitation-invalid")).to_be_visible()

    page.reload()
    expect(page.get_by_test_id(f"member-{teammate}")).to_contain_text("Viewer")
    expect(page.get_by_test_id("invitations-table")).to_contain_text("accepted")
    page.screenshot(path=artifacts_dir / "settings-owner.png", full_page=True)

    # Sharing: a logged-out visitor reads the dashboard, without export, settings or account.
    page.get_by_role("button", name="Create share link").click()
    share_url = page.get_by_test_id("share-link").input_value()
    assert re.search(r"/share/obs_[A-Za-z0-9_-]{43}$", share_url), share_url
    with browser_context(browser, live_server) as anonymous:
        visitor = anonymous.new_page()
        requests = []
        visitor.on("request", lambda request: requests.append(request))
        visitor.goto(share_url)
        expect(visitor.get_by_test_id("project-name")).to_have_text(name)
        expect(visitor.get_by_test_id("card-total")).to_have_text("1")
        expect(visitor.get_by_test_id("live-indicator")).to_have_attribute("data-state", "polling")
        for absent in ("export-csv", "settings-link", "current-user", "project-switcher"):
            expect(visitor.get_by_test_id(absent)).to_have_count(0)
        expect(visitor.get_by_role("button", name="Account")).to_have_count(0)
        visitor.get_by_role("button", name="7 days").click()  # tracked nowhere: no session
        visitor.get_by_role("button", name="Refresh data").click()
        visitor.wait_for_load_state("networkidle")
        visitor.screenshot(path=artifacts_dir / "share-dashboard.png", full_page=True)

        analytics = [r for r in requests if "/api/v1/analytics" in r.url]
        assert analytics, "the share page read no analytics"
        assert all(f"project={slug}" in r.url for r in analytics)
        assert all(r.headers.get("x-ouroboard-share") == share_url.rsplit("/", 1)[1]
                   for r in analytics)
        forbidden = (r"/api/v1/(events|track|me|session|analytics/stream"
                     r"|analytics/export)")
        sent = [r.url for r in requests if re.search(forbidden, r.url)]
        assert sent == [], f"a share page sends no events and asks for no session: {sent}"

        # The admin revokes the link: the open page says so within its next check.
        page.get_by_test_id("sharing").get_by_role("button", name="Revoke").click()
        page.get_by_test_id("sharing").get_by_role("button", name="Revoke").click()
        expect(page.get_by_test_id("sharing")).to_contain_text("Not shared")
        expect(visitor.get_by_test_id("share-invalid")).to_be_visible(
            timeout=SHARE_RECHECK_TIMEOUT_MS)
        expect(visitor.get_by_role("heading", name="This link is no longer valid")).to_be_visible()
        visitor.reload()
        expect(visitor.get_by_test_id("share-invalid")).to_be_visible()
        expect(visitor.get_by_test_id("card-total")).to_have_count(0)

    # The teammate, signed in elsewhere, is removed: their next read says the project is gone.
    with browser_context(browser, live_server) as other:
        mate = other.new_page()
        mate.goto(f"/login?next=/%3Fproject%3D{slug}")
        mate.get_by_label("Username").fill(teammate)
        mate.get_by_label("Password").fill(PASSWORD)
        mate.get_by_role("button", name="Sign in").click()
        expect(mate.get_by_test_id("project-name")).to_have_text(name)
        expect(mate.get_by_test_id("card-total")).to_have_text("1")
        row = page.get_by_test_id(f"member-{teammate}")
        row.get_by_role("button", name="Remove").click()
        row.get_by_role("button", name="Remove").click()
        expect(page.get_by_test_id(f"member-{teammate}")).to_have_count(0)
        mate.get_by_role("button", name="Refresh data").click()
        expect(mate.get_by_role("heading", name="No such project")).to_be_visible()
        expect(mate.get_by_test_id("card-total")).to_have_count(0)


def test_switching_projects_never_shows_the_other_projects_figures(page, browser, live_server):
    suffix = uuid.uuid4().hex[:6]
    register(page, f"sw_{suffix}")
    first, first_key = create_project(page, f"First {suffix}")
    send_event(browser, live_server, first_key, "first_only")
    second, _ = create_project(page, f"Second {suffix}")
    expect(page.get_by_test_id("card-total")).to_have_text("0")

    # A fresh load of the first project; the second is in no cache of this page.
    page.goto(f"/?project={first}&preset=7d")
    expect(page.get_by_label("Project", exact=True)).to_have_value(first)
    expect_total(page, 1)
    expect(page.get_by_test_id("card-top")).to_have_text("first_only")
    # Record every figure the card shows from the switch on: the first project's 1 must never
    # appear under the second project's name (no placeholder from another project's query).
    page.evaluate("""() => {
        window.__totalsSeen = [];
        new MutationObserver(() => {
            const card = document.querySelector('[data-testid=card-total]');
            const name = document.querySelector('[data-testid=project-name]');
            window.__totalsSeen.push(`${name?.textContent}:${card ? card.textContent : 'loading'}`);
        }).observe(document.body, {subtree: true, childList: true, characterData: true});
    }""")
    page.get_by_label("Project", exact=True).select_option(second)
    # The filters stay; the project changes.
    expect(page).to_have_url(re.compile(rf"\?project={second}&preset=7d$"))
    expect(page.get_by_test_id("project-name")).to_have_text(f"Second {suffix}")
    expect(page.get_by_test_id("card-total")).to_have_text("0")
    seen = page.evaluate("() => window.__totalsSeen")
    assert f"Second {suffix}:1" not in seen, seen
    assert f"Second {suffix}:0" in seen, seen


def test_first_run_after_leaving_every_project_then_an_api_token(page, browser, live_server):
    """Development accounts start in the self-tracking project; one who leaves it has no project
    and gets the first-run screen (as every new account does in production)."""
    suffix = uuid.uuid4().hex[:6]
    register(page, f"solo_{suffix}")
    page.goto("/settings/ouroboard")
    expect(page.get_by_role("heading", name="You need the admin role")).to_be_visible()
    page.get_by_role("button", name="Leave project").click()
    page.get_by_role("button", name="Leave", exact=True).click()
    expect(page.get_by_role("heading", name="Create your first project")).to_be_visible()
    expect(page.get_by_test_id("card-total")).to_have_count(0)
    page.get_by_label("Project name").fill(f"Solo {suffix}")
    page.get_by_role("button", name="Create project").click()
    expect(page.get_by_test_id("tracker-snippet")).to_have_value(re.compile(r'data-key="obk_'))
    page.get_by_role("button", name="Open the dashboard").click()
    expect(page.get_by_test_id("project-name")).to_have_text(f"Solo {suffix}")
    slug = re.search(r"project=([a-z0-9-]+)", page.url).group(1)

    # A personal read-only token for that project, from the account menu.
    page.get_by_role("button", name="Account").click()
    page.get_by_role("menuitem", name="API tokens").click()
    page.get_by_label("Token name").fill("weekly report")
    page.get_by_label(f"Solo {suffix}").check()
    page.get_by_role("button", name="Create token").click()
    created = page.get_by_test_id("created-token")
    token = created.get_by_role("textbox", name="API token").input_value()
    assert token.startswith("obt_")
    expect(page.get_by_test_id("token-weekly report")).to_contain_text(slug)
    with browser_context(browser, live_server) as script:
        summary = f"/api/v1/analytics/summary?project={slug}"
        headers = {"Authorization": f"Bearer {token}"}
        assert script.request.get(summary, headers=headers).status == 200
        page.get_by_test_id("token-weekly report").get_by_role("button", name="Revoke").click()
        page.get_by_test_id("token-weekly report").get_by_role("button", name="Revoke").click()
        expect(page.get_by_test_id("token-weekly report")).to_have_count(0)
        assert script.request.get(summary, headers=headers).status == 401


def test_invalid_invitation_and_share_links_say_so(page):
    page.goto("/invite/obi_" + "x" * 43)
    expect(page.get_by_role("heading", name="This invitation is no longer valid")).to_be_visible()
    page.goto("/register?invitation=obi_" + "x" * 43)
    expect(page.get_by_test_id("register-invitation-invalid")).to_be_visible()
    page.goto("/share/obs_" + "x" * 43)
    expect(page.get_by_role("heading", name="This link is no longer valid")).to_be_visible()
