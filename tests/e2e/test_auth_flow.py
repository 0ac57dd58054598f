"""A person registers, logs out, logs back in, reloads and stays in, then logs out for good;
and changes their password and signs out everywhere from the account menu."""

import re
import uuid

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e


def test_register_logout_login_reload_logout(page, artifacts_dir):
    username = f"e2e_{uuid.uuid4().hex[:8]}"
    password = "browser-pass-123"

    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login"))
    page.get_by_role("link", name="Create an account").click()
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password (8 characters or more)").fill(password)
    page.get_by_label("Age").fill("29")
    page.get_by_label("Gender").select_option("Other")
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_test_id("current-user")).to_have_text(username)
    page.screenshot(path=artifacts_dir / "dashboard-shell.png", full_page=True)

    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(re.compile(r"/login$"))

    page.get_by_label("Username").fill(username.upper())  # usernames are case-insensitive
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_test_id("current-user")).to_have_text(username)

    page.reload()
    expect(page.get_by_test_id("current-user")).to_have_text(username)

    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(re.compile(r"/login$"))
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login"))


def test_register_shows_field_errors_from_the_api(page):
    page.goto("/register")
    page.get_by_label("Username").fill("ab")
    page.get_by_label("Password (8 characters or more)").fill("short")
    page.get_by_label("Age").fill("0")
    page.get_by_role("button", name="Create account").click()
    expect(page.locator("#username-error")).to_contain_text("3-32 characters")
    expect(page.locator("#password-error")).to_contain_text("8-128")
    expect(page.locator("#age-error")).to_contain_text("between 1 and 120")


def test_wrong_password_shows_one_message(page):
    page.goto("/login")
    page.get_by_label("Username").fill("user1")
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_have_text("Invalid username or password")


def test_seeded_demo_user_can_sign_in(page):
    page.goto("/login")
    page.get_by_label("Username").fill("user1")
    page.get_by_label("Password").fill("password123")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_test_id("current-user")).to_have_text("user1")


def test_unknown_api_path_is_json_not_the_dashboard(page):
    response = page.request.get("/api/v1/does-not-exist")
    assert response.status == 404
    assert response.json() == {"error": "Not found"}


def sign_in(page, username: str, password: str) -> None:
    page.goto("/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def submit_password_change(page, current: str, new: str) -> None:
    page.get_by_role("button", name="Account").click()
    page.get_by_role("menuitem", name="Change password").click()
    dialog = page.get_by_role("dialog", name="Change password")
    dialog.get_by_label("Current password").fill(current)
    dialog.get_by_label("New password", exact=True).fill(new)
    dialog.get_by_label("Repeat new password").fill(new)
    dialog.get_by_role("button", name="Change password").click()


def test_change_password_then_sign_out_everywhere(page, browser, live_server):
    """The account menu changes the password (other browsers are signed out, this one stays),
    then signs out everywhere; the server runs two workers, so revocation crosses them.
    """
    username = f"e2e_{uuid.uuid4().hex[:8]}"
    password, new_password = "browser-pass-123", "lantern orchard quietly 42"
    page.goto("/register")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password (8 characters or more)").fill(password)
    page.get_by_label("Age").fill("33")
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_test_id("current-user")).to_have_text(username)
    elsewhere = browser.new_context(base_url=live_server.url).new_page()
    sign_in(elsewhere, username, password)
    expect(elsewhere.get_by_test_id("current-user")).to_have_text(username)

    submit_password_change(page, "not my password", new_password)
    expect(page.locator("#currentPassword-error")).to_have_text("Current password is wrong.")
    page.get_by_role("button", name="Cancel").click()
    submit_password_change(page, password, "password1234")
    expect(page.locator("#newPassword-error")).to_contain_text("too easy to guess")
    page.get_by_role("button", name="Cancel").click()
    submit_password_change(page, password, new_password)
    expect(page.get_by_role("status")).to_contain_text("Password changed")
    page.get_by_role("button", name="Done").click()

    page.reload()
    expect(page.get_by_test_id("current-user")).to_have_text(username)
    elsewhere.reload()
    expect(elsewhere).to_have_url(re.compile(r"/login"))
    sign_in(elsewhere, username, new_password)
    expect(elsewhere.get_by_test_id("current-user")).to_have_text(username)

    page.get_by_role("button", name="Account").click()
    page.get_by_role("menuitem", name="Sign out everywhere").click()
    expect(page).to_have_url(re.compile(r"/login$"))
    elsewhere.reload()
    expect(elsewhere).to_have_url(re.compile(r"/login"))
    sign_in(page, username, password)
    expect(page.get_by_role("alert")).to_have_text("Invalid username or password")
    sign_in(page, username, new_password)
    expect(page.get_by_test_id("current-user")).to_have_text(username)
    elsewhere.context.close()
