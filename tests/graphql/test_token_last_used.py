"""A token's lastUsedAt is recorded at most once a minute, not written by every request."""

import asyncpg

from app.auth.tokens import token_digest
from app.settings import Settings
from tests.conftest import GraphQLClient, make_admin


async def _last_used(conn: asyncpg.Connection, token: str) -> object:
    return await conn.fetchval(
        "SELECT last_used_at FROM lifeboat.api_tokens WHERE token_hash = $1", token_digest(token)
    )


async def _row_version(conn: asyncpg.Connection, token: str) -> str:
    """xmin changes with every write of the row, even one that changes nothing."""
    return str(
        await conn.fetchval(
            "SELECT xmin::text FROM lifeboat.api_tokens WHERE token_hash = $1",
            token_digest(token),
        )
    )


async def test_last_used_is_written_once_a_minute(gql: GraphQLClient, settings: Settings) -> None:
    _, token = await make_admin()
    conn = await asyncpg.connect(settings.database_url)
    try:
        assert await _last_used(conn, token) is None
        assert "errors" not in await gql("{ __typename }", token=token)
        first = await _last_used(conn, token)
        assert first is not None
        version = await _row_version(conn, token)

        for _ in range(3):
            assert "errors" not in await gql("{ __typename }", token=token)
        assert await _last_used(conn, token) == first
        assert await _row_version(conn, token) == version  # not even rewritten unchanged

        await conn.execute(
            "UPDATE lifeboat.api_tokens SET last_used_at = now() - interval '61 seconds'"
            " WHERE token_hash = $1",
            token_digest(token),
        )
        assert "errors" not in await gql("{ __typename }", token=token)
        assert await _last_used(conn, token) > first  # type: ignore[operator]
    finally:
        await conn.close()
