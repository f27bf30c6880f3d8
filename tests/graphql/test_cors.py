"""Browser origins: only LIFEBOAT_CORS_ORIGINS and the API's own origin may call it (HTTP, ws)."""

from collections.abc import Iterator

import httpx
import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect
from websockets.typing import Origin, Subprotocol

from app.storage.client import ObjectStore
from tests.support.server import running_server

ALLOWED = "https://admin.example.com"
ALSO_ALLOWED = "http://localhost:5173"
DENIED = "https://evil.example.com"
QUERY = {"query": "{ __typename }"}


@pytest.fixture(scope="module")
def cors_server(
    databases: None, archives: ObjectStore, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    log_dir = tmp_path_factory.mktemp("uvicorn-cors")
    origins = f" {ALLOWED} , {ALSO_ALLOWED}"  # spaces around entries are tolerated
    with running_server(log_dir, LIFEBOAT_CORS_ORIGINS=origins) as url:
        yield url


def preflight(url: str, origin: str) -> httpx.Response:
    headers = {
        "Origin": origin,
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization, content-type",
    }
    return httpx.options(f"{url}/graphql", headers=headers)


def ws_url(url: str) -> str:
    return url.replace("http://", "ws://") + "/graphql"


def handshake_status(url: str, origin: str | None) -> int:
    """101 when the websocket handshake is accepted, else the HTTP status of the refusal."""
    try:
        with connect(
            ws_url(url),
            origin=Origin(origin) if origin else None,
            subprotocols=[Subprotocol("graphql-transport-ws")],
        ):
            return 101
    except InvalidStatus as refused:
        return refused.response.status_code


@pytest.mark.parametrize("origin", [ALLOWED, ALSO_ALLOWED])
def test_preflight_from_an_allowed_origin_is_answered(cors_server: str, origin: str) -> None:
    response = preflight(cors_server, origin)
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == origin
    assert "authorization" in response.headers["access-control-allow-headers"].lower()
    assert "POST" in response.headers["access-control-allow-methods"]
    # Tokens travel in a header, never in cookies: credentials stay disallowed.
    assert "access-control-allow-credentials" not in response.headers


def test_preflight_from_another_origin_is_refused(cors_server: str) -> None:
    response = preflight(cors_server, DENIED)
    assert response.status_code == 400
    assert "access-control-allow-origin" not in response.headers


def test_no_origin_is_allowed_by_default(live_server: str) -> None:
    response = preflight(live_server, ALLOWED)
    assert response.status_code == 400
    assert "access-control-allow-origin" not in response.headers


def test_simple_requests_name_only_allowed_origins(cors_server: str, admin_token: str) -> None:
    auth = {"Authorization": f"Bearer {admin_token}"}
    allowed = httpx.post(f"{cors_server}/graphql", json=QUERY, headers={**auth, "Origin": ALLOWED})
    assert allowed.headers["access-control-allow-origin"] == ALLOWED
    assert allowed.json() == {"data": {"__typename": "Query"}}
    denied = httpx.post(f"{cors_server}/graphql", json=QUERY, headers={**auth, "Origin": DENIED})
    # The browser, not the server, blocks the page from reading this answer.
    assert "access-control-allow-origin" not in denied.headers


def test_websocket_from_an_allowed_origin_is_accepted(cors_server: str) -> None:
    assert handshake_status(cors_server, ALLOWED) == 101


def test_websocket_from_another_origin_is_refused(cors_server: str) -> None:
    assert handshake_status(cors_server, DENIED) == 403


def test_websocket_from_any_origin_is_refused_by_default(live_server: str) -> None:
    assert handshake_status(live_server, ALLOWED) == 403


def test_websocket_from_the_api_s_own_origin_is_accepted(live_server: str) -> None:
    # GraphiQL served by the API itself is same-origin: it needs no CORS entry.
    assert handshake_status(live_server, live_server) == 101


def test_websocket_without_origin_is_accepted(live_server: str) -> None:
    # Only browsers send Origin; scripts still need a token (see test_websocket.py).
    assert handshake_status(live_server, None) == 101
