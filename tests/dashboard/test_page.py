"""The dashboard in headless Chromium: offline, under its CSP, with the token as GraphiQL has it."""

from urllib.parse import urlsplit

from app.dashboard.assets import modules
from tests.conftest import make_admin
from tests.support.selenium_browser import Dashboard


def test_the_page_renders_with_no_csp_violation_and_no_outside_request(
    dashboard: Dashboard, admin_token: str
) -> None:
    dashboard.open(f"#token={admin_token}")
    dashboard.find("#backups-table")
    dashboard.find("#create-backup")
    for tab in ("restores", "schedules", "retention", "webhooks", "backups"):
        dashboard.click(f"[data-tab={tab}]")
        dashboard.find(f"section.{tab}")
    assert dashboard.csp_violations() == []
    assert dashboard.console_errors() == []
    origin = urlsplit(dashboard.base_url).netloc
    requested = dashboard.requested_urls()
    assert any(url.endswith("/dashboard/static/js/main.js") for url in requested), requested
    outside = [url for url in requested if urlsplit(url).netloc != origin]
    assert outside == [], outside
    # The HTML announces every module the page imports (modulepreload), but for the chunk
    # that graphql-ws's client imports under a hashed name.
    loaded = {url.split("/dashboard/static/")[1] for url in requested if url.endswith(".js")}
    unannounced = {name for name in loaded - set(modules()) if "/graphql-ws/common-" not in name}
    assert unannounced == set() and set(modules()) <= loaded, loaded ^ set(modules())


def test_a_token_in_the_fragment_is_kept_and_leaves_the_address_bar(
    dashboard: Dashboard, admin_token: str
) -> None:
    dashboard.open(f"#token={admin_token}")
    dashboard.find("#backups-table")
    assert dashboard.js("return window.location.hash") == ""
    assert dashboard.js("return localStorage.getItem('lifeboat.token')") == admin_token
    assert dashboard.js("return document.getElementById('token-input').value") == admin_token
    # The same browser remembers it, as GraphiQL does (one token for both pages).
    dashboard.open()
    assert "token set" in dashboard.text(".token-state")
    assert dashboard.wait_for_text("#me", "admin@test.local (admin")
    assert dashboard.text(".error") == ""


def test_a_bad_token_shows_the_api_error(dashboard: Dashboard) -> None:
    dashboard.open("#token=lb_not-a-real-token")
    text = dashboard.wait_for_text("section.backups .error", "UNAUTHENTICATED")
    assert "token" in text.lower(), text
    assert "token" in dashboard.wait(lambda: dashboard.text("#me"), "the token bar's error")


async def test_a_refusal_by_role_is_shown_with_the_role_it_needs(dashboard: Dashboard) -> None:
    _, token = await make_admin(role="viewer")
    dashboard.open(f"#token={token}")
    dashboard.wait_for_text("#me", "(viewer")
    dashboard.click("#create-backup button[type=submit]")
    text = dashboard.wait_for_text("#create-backup .error", "FORBIDDEN")
    assert "operator" in text, text


def test_pasting_a_token_loads_the_data(dashboard: Dashboard, admin_token: str) -> None:
    dashboard.open()
    dashboard.wait_for_text("section.backups .error", "UNAUTHENTICATED")
    field = dashboard.find("#token-input")
    field.send_keys(admin_token)
    dashboard.click(".token button[type=submit]")
    dashboard.wait(lambda: not dashboard.text("section.backups .error"), "the error to go")
    assert dashboard.js("return localStorage.getItem('lifeboat.token')") == admin_token
