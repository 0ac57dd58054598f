"""The API reference renders in the browser from our own origin, with no CSP violation."""

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e


def test_swagger_ui_renders_every_tag_without_csp_violations(page, artifacts_dir):
    violations = []
    page.on("console", lambda message: violations.append(message.text)
            if "Content Security Policy" in message.text else None)
    requested = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto("/api/docs")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Ouroboard API")
    expect(page.locator(".opblock-tag-section").first).to_be_visible()
    expect(page.get_by_text("/api/v1/events").first).to_be_visible()
    page.screenshot(path=artifacts_dir / "api-docs.png")
    assert violations == []
    origin = page.url.split("/api/docs")[0]
    assert f"{origin}/api-docs/swagger-ui-bundle.js" in requested
    assert [url for url in requested
            if not url.startswith((origin + "/", "data:"))] == []
