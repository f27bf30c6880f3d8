"""GraphQL over HTTP semantics of /graphql: media types, statuses, GET, and malformed requests."""

import uuid

import asyncpg
import httpx
import pytest

from app.settings import Settings
from tests.conftest import make_admin

JSON = "application/json"
GRAPHQL = "application/graphql-response+json"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def post(
    client: httpx.AsyncClient, body: object, accept: str | None, token: str | None
) -> httpx.Response:
    headers = bearer(token) if token else {}
    if accept:
        headers["Accept"] = accept
    return await client.post("/graphql", json=body, headers=headers)


async def backup_rows(settings: Settings) -> int:
    conn = await asyncpg.connect(settings.database_url)
    try:
        return int(await conn.fetchval("SELECT count(*) FROM lifeboat.system_backups"))
    finally:
        await conn.close()


@pytest.mark.parametrize(
    ("accept", "media_type"),
    [
        (None, JSON),
        ("*/*", JSON),
        (JSON, JSON),
        (GRAPHQL, GRAPHQL),
        (f"{GRAPHQL}, {JSON}", GRAPHQL),
    ],
)
async def test_response_media_type_follows_accept(
    client: httpx.AsyncClient, admin_token: str, accept: str | None, media_type: str
) -> None:
    response = await post(client, {"query": "{ __typename }"}, accept, admin_token)
    assert response.status_code == 200
    assert response.headers["content-type"] == f"{media_type}; charset=utf-8"
    assert response.json() == {"data": {"__typename": "Query"}}


async def test_auth_failures_are_200_for_json_clients(client: httpx.AsyncClient) -> None:
    response = await post(client, {"query": "{ __typename }"}, JSON, None)
    assert response.status_code == 200
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    # Refused before execution: the GraphQL spec wants no data entry at all.
    assert "data" not in response.json()


async def test_auth_failures_are_401_and_403_for_graphql_response_clients(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    missing = await post(client, {"query": "{ __typename }"}, GRAPHQL, None)
    assert missing.status_code == 401
    assert missing.headers["www-authenticate"] == "Bearer"
    assert missing.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"

    admin_id, token = await make_admin()
    conn = await asyncpg.connect(settings.database_url)
    try:
        await conn.execute(
            "UPDATE lifeboat.admin_users SET is_active = false WHERE id = $1", admin_id
        )
    finally:
        await conn.close()
    inactive = await post(client, {"query": "{ __typename }"}, GRAPHQL, token)
    assert inactive.status_code == 403
    assert inactive.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"query": "{"}, "GRAPHQL_PARSE_FAILED"),
        ({"query": "{ noSuchField }"}, "GRAPHQL_VALIDATION_FAILED"),
        ({"query": "query ($id: ID!) { __typename }", "variables": {"id": None}}, "BAD_USER_INPUT"),
    ],
)
async def test_request_errors_are_400_without_data_for_graphql_response_clients(
    client: httpx.AsyncClient, admin_token: str, body: dict[str, object], code: str
) -> None:
    strict = await post(client, body, GRAPHQL, admin_token)
    assert strict.status_code == 400
    assert "data" not in strict.json()
    assert strict.json()["errors"][0]["extensions"]["code"] == code

    lenient = await post(client, body, JSON, admin_token)
    assert lenient.status_code == 200
    assert lenient.json()["errors"][0]["extensions"]["code"] == code


async def test_a_field_error_keeps_data_and_status_200(
    client: httpx.AsyncClient, admin_token: str
) -> None:
    query = 'query { restoreConfirmationCode(backupId: "bk_unknown") }'
    response = await post(client, {"query": query}, GRAPHQL, admin_token)
    assert response.status_code == 200
    assert response.json()["data"] is None
    assert response.json()["errors"][0]["extensions"]["code"] == "NOT_FOUND"


async def test_queries_work_by_get(client: httpx.AsyncClient, admin_token: str) -> None:
    params = {
        "query": "query ($n: Int) { backups(limit: $n) { backupId } }",
        "variables": '{"n":1}',
    }
    response = await client.get("/graphql", params=params, headers=bearer(admin_token))
    assert response.status_code == 200
    assert isinstance(response.json()["data"]["backups"], list)


async def test_mutations_by_get_are_refused_with_405_and_change_nothing(
    client: httpx.AsyncClient, admin_token: str, settings: Settings
) -> None:
    before = await backup_rows(settings)
    query = "mutation { createBackup(input: {type: FULL}) { backupId } }"
    response = await client.get(
        "/graphql", params={"query": query}, headers={**bearer(admin_token), "Accept": JSON}
    )
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"
    assert response.json()["errors"][0]["extensions"]["code"] == "METHOD_NOT_ALLOWED"
    assert await backup_rows(settings) == before


@pytest.mark.parametrize(
    ("content", "content_type", "status"),
    [
        (b'{"query": "{ __typename }"}', None, 415),
        (b'{"query": "{ __typename }"}', "text/plain", 415),
        (b'{"query": "{ __ty', JSON, 400),
        (b"", JSON, 400),
        (b'{"notquery": "{ __typename }"}', JSON, 400),
        (b'{"query": ["{ __typename }"]}', JSON, 400),
        (b'{"query": "{ __typename }", "operationName": 0}', JSON, 400),
        (b'{"query": "{ __typename }", "variables": "x"}', JSON, 400),
        (b'{"query": "{ __typename }", "extensions": []}', JSON, 400),
    ],
)
async def test_unreadable_requests_are_4xx_with_a_graphql_error_body(
    client: httpx.AsyncClient,
    admin_token: str,
    content: bytes,
    content_type: str | None,
    status: int,
) -> None:
    headers = {**bearer(admin_token), "Accept": GRAPHQL}
    if content_type:
        headers["Content-Type"] = content_type
    response = await client.post("/graphql", content=content, headers=headers)
    assert response.status_code == status
    assert response.headers["content-type"] == f"{GRAPHQL}; charset=utf-8"
    error = response.json()["errors"][0]
    assert error["message"]
    assert error["extensions"]["code"] in ("BAD_REQUEST", "UNSUPPORTED_MEDIA_TYPE")


async def test_unknown_backup_id_is_not_a_request_error(
    client: httpx.AsyncClient, admin_token: str
) -> None:
    query = "query ($id: String!) { backup(backupId: $id) { backupId } }"
    body = {"query": query, "variables": {"id": f"bk_{uuid.uuid4().hex}"}}
    response = await post(client, body, GRAPHQL, admin_token)
    assert response.status_code == 200
    assert response.json() == {"data": {"backup": None}}
