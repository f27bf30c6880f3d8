"""Migrating a fresh database creates the seed's two schedules and the system account."""

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import asyncpg
import pytest
from alembic import command

from app.auth.service import SYSTEM_ACCOUNT_EMAIL
from app.db.migrate import alembic_config, migrate
from app.db.urls import with_database
from app.settings import Settings
from tests.conftest import drop_database


@pytest.fixture
async def fresh_database(settings: Settings, databases: None) -> AsyncIterator[str]:
    url = with_database(settings.database_url, settings.database_url.rsplit("/", 1)[1] + "_seed")
    yield url
    await drop_database(url)


async def test_seed_schedules_and_system_account_exist_after_migrating(fresh_database: str) -> None:
    before = datetime.now(UTC)
    await asyncio.to_thread(migrate, fresh_database)
    conn = await asyncpg.connect(fresh_database)
    try:
        rows = await conn.fetch(
            "SELECT name, cron, timezone, backup_type, enabled, next_run_at "
            "FROM lifeboat.schedules ORDER BY name"
        )
        system = await conn.fetchrow(
            "SELECT role, is_active FROM lifeboat.admin_users WHERE email = $1",
            SYSTEM_ACCOUNT_EMAIL,
        )
    finally:
        await conn.close()
    assert [tuple(r)[:5] for r in rows] == [
        ("daily-system-backup", "0 2 * * *", "UTC", "scheduled", True),
        ("weekly-full-backup", "0 1 * * 0", "UTC", "full", True),
    ]
    daily, weekly = (r["next_run_at"] for r in rows)
    # Never due before they existed: the first run is the next 02:00 / Sunday 01:00 from now.
    assert before < daily and (daily.hour, daily.minute) == (2, 0)
    assert (daily - before).total_seconds() <= 86400
    assert before < weekly and weekly.isoweekday() == 7 and weekly.hour == 1
    assert system is not None and tuple(system) == ("system", True)


async def test_the_migration_downgrades_and_upgrades_again(fresh_database: str) -> None:
    await asyncio.to_thread(migrate, fresh_database)
    config = alembic_config(fresh_database)
    await asyncio.to_thread(command.downgrade, config, "0001")
    conn = await asyncpg.connect(fresh_database)
    try:
        assert await conn.fetchval("SELECT to_regclass('lifeboat.schedules')") is None
    finally:
        await conn.close()
    await asyncio.to_thread(command.upgrade, config, "head")
    conn = await asyncpg.connect(fresh_database)
    try:
        assert await conn.fetchval("SELECT count(*) FROM lifeboat.schedules") == 2
    finally:
        await conn.close()
