"""Every operation needs an active admin's bearer token."""

import uuid

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
