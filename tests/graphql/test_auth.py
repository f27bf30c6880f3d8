"""Every operation needs a live token of an active account."""

import uuid
from datetime import UTC, datetime, timedelta

import asyncpg
from sqlalchemy import update

from app.db.engine import create_engine, session_factory, transaction
from app.db.models import AdminUser
from app.settings import Settings
from tests.conftest import GraphQLClient, error_code, make_admin

QUERY = "{ backups { backupId } }"


async def test_no_token_is_unauthenticated(gql: GraphQLClient) -> None:
    body = await gql(QUERY, token="")
    assert error_code(body) == "UNAUTHENTICATED"
    assert body.get("data") is None


async def test_unknown_token_is_unauthenticated(gql: GraphQLClient) -> None:
    assert error_code(await gql(QUERY, token="lb_not-a-real-token")) == "UNAUTHENTICATED"


async def test_introspection_needs_a_token_too(gql: GraphQLClient) -> None:
    body = await gql("{ __schema { queryType { name } } }", token="")
    assert error_code(body) == "UNAUTHENTICATED"


async def test_valid_token_is_accepted(gql: GraphQLClient) -> None:
    body = await gql(QUERY)
    assert "errors" not in body, body
    assert isinstance(body["data"]["backups"], list)


async def _set_active(settings: Settings, admin_id: uuid.UUID, active: bool) -> None:
    engine = create_engine(settings.database_url, pool_size=1)
    async with transaction(session_factory(engine)) as session:
        await session.execute(
            update(AdminUser).where(AdminUser.id == admin_id).values(is_active=active)
        )
    await engine.dispose()


async def test_inactive_admin_is_forbidden(gql: GraphQLClient, settings: Settings) -> None:
    admin_id, token = await make_admin()
    assert "errors" not in await gql(QUERY, token=token)
    await _set_active(settings, admin_id, False)
    assert error_code(await gql(QUERY, token=token)) == "FORBIDDEN"


async def test_revoked_token_is_unauthenticated(gql: GraphQLClient, settings: Settings) -> None:
    from app.auth import service as auth_service
    from app.auth.tokens import token_digest
    from app.db.models import ApiToken

    _, token = await make_admin()
    engine = create_engine(settings.database_url, pool_size=1)
    async with transaction(session_factory(engine)) as session:
        row = await session.scalar(
            ApiToken.__table__.select().where(ApiToken.token_hash == token_digest(token))
        )
        await auth_service.revoke(session, row)
    await engine.dispose()
    assert error_code(await gql(QUERY, token=token)) == "UNAUTHENTICATED"


async def _expire(settings: Settings, token: str) -> None:
    from app.auth.tokens import token_digest

    conn = await asyncpg.connect(settings.database_url)
    try:
        await conn.execute(
            "UPDATE lifeboat.api_tokens SET expires_at = now() - interval '1 second' "
            "WHERE token_hash = $1",
            token_digest(token),
        )
    finally:
        await conn.close()


async def test_an_expired_token_is_unauthenticated(gql: GraphQLClient, settings: Settings) -> None:
    _, token = await make_admin(lifetime=timedelta(days=90))
    assert "errors" not in await gql(QUERY, token=token)
    await _expire(settings, token)
    body = await gql(QUERY, token=token)
    assert error_code(body) == "UNAUTHENTICATED"
    assert "expired" in body["errors"][0]["message"]


async def test_me_names_the_account_its_role_and_the_token_expiry(gql: GraphQLClient) -> None:
    email = f"{uuid.uuid4()}@test.local"
    _, token = await make_admin(email, role="operator", lifetime=timedelta(days=90))
    me = (await gql("{ me { email role tokenExpiresAt } }", token=token))["data"]["me"]
    assert me["email"] == email and me["role"] == "operator"
    expires = datetime.fromisoformat(me["tokenExpiresAt"])
    assert abs(expires - (datetime.now(UTC) + timedelta(days=90))) < timedelta(minutes=5)


async def test_a_token_without_expiry_never_expires(gql: GraphQLClient) -> None:
    # Tokens issued before expiry existed have none (expires_at NULL), like this one.
    _, token = await make_admin(lifetime=None)
    body = await gql("{ me { tokenExpiresAt } }", token=token)
    assert body == {"data": {"me": {"tokenExpiresAt": None}}}
