"""The dashboard at /: its HTML shell, its files, and the strict policy they are served under."""

import httpx

from app.dashboard.assets import CONTENT_SECURITY_POLICY, STATIC, modules


def test_the_page_is_served_at_the_root_under_a_strict_policy(live_server: str) -> None:
    response = httpx.get(f"{live_server}/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    policy = response.headers["content-security-policy"]
    assert policy == CONTENT_SECURITY_POLICY
    for directive in ("default-src 'self'", "script-src 'self'", "style-src 'self'"):
        assert f"{directive};" in policy, directive
    assert "unsafe" not in policy
    assert "https://" not in response.text and "http://" not in response.text


def test_our_modules_and_the_vendored_packages_are_served(live_server: str) -> None:
    own = sorted(STATIC.rglob("*.js")) + sorted(STATIC.rglob("*.css"))
    names = [path.relative_to(STATIC).as_posix() for path in own]
    names += modules()
    for name in names:
        response = httpx.get(f"{live_server}/dashboard/static/{name}")
        assert response.status_code == 200, (name, response.text)
        kind = "text/css" if name.endswith(".css") else "text/javascript"
        assert response.headers["content-type"].startswith(kind), name
        assert response.headers["x-content-type-options"] == "nosniff"


def test_nothing_else_is_served(live_server: str) -> None:
    for name in (
        "vendor/lit-html/package.json",
        "vendor/lit-html/lit-html.js.map",
        "vendor/graphql/index.js",
        "vendor/lit-html/../graphql-ws/dist/client.js",
        "js/../../assets.py",
        "..%2F..%2Fassets.py",
        "js/.hidden.js",
        "vendor/lit-html/missing.js",
        "js/missing.js",
    ):
        response = httpx.get(f"{live_server}/dashboard/static/{name}")
        assert response.status_code == 404, (name, response.status_code)
