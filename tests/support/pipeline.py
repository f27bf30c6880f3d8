"""Run pipelines directly in a test, as a worker would: a PipelineContext and backup rows."""

from collections.abc import AsyncIterator

import asyncpg
import pytest

from app.auth import service as auth_service
from app.backups import repository
from app.backups import service as backup_service
from app.db.engine import create_engine, session_factory, transaction
from app.db.models import SystemBackup
from app.pipelines.context import PipelineContext
from app.settings import Settings
from app.storage.client import ObjectStore


@pytest.fixture
async def pipeline_context(
    settings: Settings, databases: None, archives: ObjectStore, uploads: ObjectStore
) -> AsyncIterator[PipelineContext]:
    engine = create_engine(settings.database_url, pool_size=2)
    yield PipelineContext(
        settings=settings, sessions=session_factory(engine), archives=archives, uploads=uploads
    )
    await engine.dispose()


async def create_backup_row(
    ctx: PipelineContext,
    target: asyncpg.Connection,
    backup_type: str = "full",
    tables: list[str] | None = None,
) -> str:
    """A committed `creating` backup, recorded exactly as the createBackup mutation does."""
    async with transaction(ctx.sessions) as session:
        admin = await auth_service.ensure_admin(session, "exporter@test.local")
        row = await backup_service.create_backup(session, target, admin, backup_type, tables)
    return row.backup_id


async def backup_row(ctx: PipelineContext, backup_id: str) -> SystemBackup:
    async with transaction(ctx.sessions) as session:
        row = await repository.get_by_backup_id(session, backup_id)
    assert row is not None, backup_id
    return row
