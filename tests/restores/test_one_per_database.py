"""One restore at a time per database: decided by the INSERT, keyed on server and name."""

import asyncio
import uuid
from collections.abc import AsyncIterator

import asyncpg
import pytest
from alembic import command
from sqlalchemy.exc import IntegrityError

from app.db.engine import transaction
from app.db.migrate import alembic_config, migrate
from app.db.urls import with_database
from app.pipelines.context import PipelineContext
from app.restores import repository
from app.restores.targets import configured_target, restore_target
from app.settings import Settings
from tests.conftest import ADMIN_URL
from tests.restores.support import clear_running_restores, completed_backup, restorer


async def test_restores_of_two_databases_run_side_by_side_but_not_two_of_one(
    pipeline_context: PipelineContext, target: asyncpg.Connection
) -> None:
    ctx = pipeline_context
    await target.execute("CREATE TABLE meals (id int)")
    backup_id = await completed_backup(ctx, target, "partial", ["meals"])
    await clear_running_restores(ctx.settings.database_url)
    admin = await restorer(ctx)
    here = configured_target(ctx.settings).key
    there = restore_target(ctx.settings, "another_db").key

    async with transaction(ctx.sessions) as session:
        await repository.insert(session, backup_id, admin.id, here)
        await repository.insert(session, backup_id, admin.id, there, target_database="another_db")
    async with transaction(ctx.sessions) as session:
        assert await repository.running_id(session, here) is not None
        assert await repository.running_id(session, there) is not None
    with pytest.raises(IntegrityError, match=repository.ONE_RUNNING_INDEX):
        async with transaction(ctx.sessions) as session:
            await repository.insert(session, backup_id, admin.id, there)
    await clear_running_restores(ctx.settings.database_url)


@pytest.fixture
async def old_database(settings: Settings, databases: None) -> AsyncIterator[str]:
    url = with_database(settings.database_url, settings.database_url.rsplit("/", 1)[1] + "_rekey")
    yield url
    admin = await asyncpg.connect(ADMIN_URL)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')
    finally:
        await admin.close()


async def test_the_migration_keys_running_restores_by_the_configured_target(
    old_database: str, settings: Settings
) -> None:
    await asyncio.to_thread(migrate, old_database)
    config = alembic_config(old_database)
    await asyncio.to_thread(command.downgrade, config, "0003_webhook_secrets")
    conn = await asyncpg.connect(old_database)
    try:
        admin = await conn.fetchval(
            "INSERT INTO lifeboat.admin_users (email) VALUES ('a@test.local') RETURNING id"
        )
        await conn.execute(
            "INSERT INTO lifeboat.system_backups (backup_id, created_by, backup_type)"
            " VALUES ('bk_old', $1, 'full')",
            admin,
        )
        running = await conn.fetchval(
            "INSERT INTO lifeboat.restore_operations (backup_id, initiated_by)"
            " VALUES ('bk_old', $1) RETURNING id",
            admin,
        )
        await asyncio.to_thread(command.upgrade, config, "head")
        row = await conn.fetchrow(
            "SELECT database_key, schema_mode, warnings::text, target_database"
            " FROM lifeboat.restore_operations WHERE id = $1",
            running,
        )
        assert tuple(row) == (configured_target(settings).key, "current", "[]", None)
        with pytest.raises(asyncpg.UniqueViolationError):
            await conn.execute(
                "INSERT INTO lifeboat.restore_operations (backup_id, initiated_by, database_key)"
                " VALUES ('bk_old', $1, $2)",
                admin,
                configured_target(settings).key,
            )
        await conn.execute(
            "INSERT INTO lifeboat.restore_operations (backup_id, initiated_by, database_key)"
            " VALUES ('bk_old', $1, $2)",
            admin,
            restore_target(settings, "elsewhere").key,
        )
    finally:
        await conn.close()
    assert isinstance(running, uuid.UUID)
