"""GraphiQL at /graphql: served from local npm files, rendered by a real (headless) Chromium."""

from pathlib import Path
from urllib.parse import quote

import httpx

from app.graphql.graphiql.assets import ASSETS
from tests.support.browser import browser_page, capture

# Elements GraphiQL's React code creates; the served HTML shell has none of them.
RENDERED_MARKERS = (
    "graphiql-container",
    "graphiql-editor",
    "CodeMirror",
    "graphiql-execute-button",
)


def test_a_browser_get_serves_the_graphiql_page_with_no_outside_urls(live_server: str) -> None:
    response = httpx.get(f"{live_server}/graphql", headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "graphiql/static/graphiql.min.js" in response.text
    assert "https://" not in response.text and "http://" not in response.text
    assert "script-src 'self'" in response.headers["content-security-policy"]


def test_every_asset_is_installed_and_served(live_server: str) -> None:
    for name in ASSETS:
        response = httpx.get(f"{live_server}/graphiql/static/{name}")
        assert response.status_code == 200, (name, response.text)
        assert response.content, name
        kind = "text/css" if name.endswith(".css") else "javascript"
        assert kind in response.headers["content-type"], name


def test_only_listed_assets_are_served(live_server: str) -> None:
    for name in ("react/package.json", "..%2Fassets.py", "package.json", "page.html"):
        assert httpx.get(f"{live_server}/graphiql/static/{name}").status_code == 404, name


def test_graphiql_renders_in_headless_chromium(live_server: str, tmp_path: Path) -> None:
    dom = capture(f"{live_server}/graphql", tmp_path / "dom", "--dump-dom").stdout
    for marker in RENDERED_MARKERS:
        assert marker in dom, marker
    screenshot = tmp_path / "graphiql.png"
    capture(f"{live_server}/graphql", tmp_path / "shot", f"--screenshot={screenshot}")
    # A PNG of the full window, not a blank or error page's few hundred bytes.
    assert screenshot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert screenshot.stat().st_size > 20_000


QUERY = "{ backups(limit: 1) { backupId } whoami: __typename }"
RESPONSE_TEXT = "document.querySelector('.graphiql-response')?.innerText"


def run_query_in_graphiql(
    live_server: str, profile: Path, fragment: str
) -> tuple[str, str, list[str]]:
    """Open GraphiQL with QUERY, press its run button, and return the response pane's text."""
    with browser_page(profile) as page:
        page.open(f"{live_server}/graphql?q={quote(QUERY)}{fragment}")
        page.wait_for("!!document.querySelector('.graphiql-execute-button')")
        page.evaluate("document.querySelector('.graphiql-execute-button').click()")
        text: str = page.wait_for(f"({RESPONSE_TEXT} || '').includes('}}')")
        text = page.evaluate(RESPONSE_TEXT)
        assert page.evaluate("window.location.hash") == "", "the token must leave the URL"
        # The docs pane lists the schema only if introspection carried the token too.
        page.evaluate(
            "document.querySelector('[aria-label=\"Show Documentation Explorer\"]').click()"
        )
        docs = page.wait_for("document.querySelector('.graphiql-doc-explorer')?.innerText")
        return text, docs, page.errors


def test_graphiql_runs_a_query_with_the_token_it_was_given(
    live_server: str, admin_token: str, tmp_path: Path
) -> None:
    text, docs, errors = run_query_in_graphiql(live_server, tmp_path, f"#token={admin_token}")
    assert '"whoami": "Query"' in text, text
    assert "CreateBackupInput" in docs, docs
    assert '"backups": [' in text, text
    assert "errors" not in text, text
    # No script, style or connection was refused by the page's CSP or failed to load.
    assert errors == [], errors


def test_graphiql_without_a_token_shows_unauthenticated(live_server: str, tmp_path: Path) -> None:
    text, docs, _ = run_query_in_graphiql(live_server, tmp_path, "")
    assert "UNAUTHENTICATED" in text, text
    assert "CreateBackupInput" not in docs, docs
    assert '"whoami"' not in text, text
