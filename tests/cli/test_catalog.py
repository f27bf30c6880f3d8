"""After Lifeboat's own database is lost, `lifeboat catalog rebuild` brings back the records of
the archives in the bucket, so the backups are listed and restored again."""

import asyncio
import os
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from sqlalchemy import select

from app.auth import service as auth_service
from app.backups import service as backup_service
from app.db.engine import create_engine, session_factory, transaction
from app.db.models import AdminUser, SystemBackup
from app.db.schedule_models import Schedule
from app.db.urls import with_database
from app.main import create_app
from app.pipelines.context import PipelineContext
from app.pipelines.export.pipeline import run_export
from app.pipelines.restore.pipeline import run_restore
from app.settings import Settings
from app.storage import keys
from app.storage.client import ObjectStore, create_client
from tests.conftest import drop_bucket, drop_database
from tests.restores.support import completed_backup, request_restore
from tests.support.archive import as_format_version_1
from tests.support.fixture_schema import create_fixture_schema, table_fingerprints
from tests.support.pipeline import backup_row

LIFEBOAT = Path(sys.executable).parent / "lifeboat"
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def own_bucket(settings: Settings, services: None) -> Iterator[ObjectStore]:
    """A bucket holding only this test's archives."""
    store = ObjectStore(create_client(settings), f"{settings.s3_bucket}-catalog")
    store.ensure_bucket()
    yield store
    drop_bucket(store)
    store.close()


@pytest.fixture
async def lost_database_url(settings: Settings, databases: None) -> AsyncIterator[str]:
    """Where Lifeboat's database comes back after the loss: not there at all yet."""
    url = with_database(settings.database_url, settings.database_url.rsplit("/", 1)[1] + "_new")
    await drop_database(url)
    yield url
    await drop_database(url)


async def rebuild(settings: Settings) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "LIFEBOAT_DATABASE_URL": settings.database_url,
        "LIFEBOAT_S3_BUCKET": settings.s3_bucket,
    }
    command = [str(LIFEBOAT), "catalog", "rebuild"]
    return await asyncio.to_thread(
        subprocess.run, command, cwd=REPO, env=env, capture_output=True, text=True, timeout=120
    )


async def scheduled_backup(ctx: PipelineContext, target: asyncpg.Connection) -> tuple[str, str]:
    """A backup made by the seeded daily schedule; returns its id and the schedule's id."""
    async with transaction(ctx.sessions) as session:
        system = await auth_service.ensure_admin(session, auth_service.SYSTEM_ACCOUNT_EMAIL)
        schedule_id = str(uuid.uuid4())  # the old server's id, unknown after the loss
        metadata = {"scheduleId": schedule_id, "scheduleName": "daily-system-backup"}
        row = await backup_service.create_backup(
            session, target, system, "scheduled", None, "daily: due 02:00", metadata
        )
    await run_export(ctx, row.backup_id)
    return row.backup_id, schedule_id


async def test_an_unreadable_bucket_fails_in_one_line_and_records_nothing(
    settings: Settings, lost_database_url: str
) -> None:
    missing = f"{settings.s3_bucket}-never-created"
    after_loss = settings.model_copy(
        update={"database_url": lost_database_url, "s3_bucket": missing}
    )

    result = await rebuild(after_loss)

    assert result.returncode == 1 and result.stdout == ""
    failure = [line for line in result.stderr.splitlines() if "catalog rebuild failed" in line]
    assert len(failure) == 1 and "NoSuchBucket" in failure[0], result.stderr
    conn = await asyncpg.connect(lost_database_url)
    try:
        assert await conn.fetchval("SELECT count(*) FROM lifeboat.system_backups") == 0
    finally:
        await conn.close()


async def records(ctx: PipelineContext) -> dict[str, tuple[SystemBackup, AdminUser]]:
    async with ctx.sessions() as session:
        rows = await session.execute(
            select(SystemBackup, AdminUser).join(AdminUser, AdminUser.id == SystemBackup.created_by)
        )
        return {backup.backup_id: (backup, admin) for backup, admin in rows}


async def listed_by_the_api(settings: Settings) -> list[dict[str, Any]]:
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        engine = create_engine(settings.database_url, pool_size=1)
        async with transaction(session_factory(engine)) as session:
            admin = await auth_service.ensure_admin(session, "after-the-loss@test.local")
            _, token = await auth_service.issue_token(session, admin)
        await engine.dispose()
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://lifeboat.test") as http:
            response = await http.post(
                "/graphql",
                json={"query": "{ backups { backupId type status sizeBytes tablesIncluded } }"},
                headers={"Authorization": f"Bearer {token}"},
            )
    backups: list[dict[str, Any]] = response.json()["data"]["backups"]
    return backups


async def test_lost_catalog_is_rebuilt_from_the_bucket_then_listed_and_restored(
    pipeline_context: PipelineContext,
    target: asyncpg.Connection,
    own_bucket: ObjectStore,
    lost_database_url: str,
) -> None:
    before_loss = pipeline_context.settings.model_copy(update={"s3_bucket": own_bucket.bucket})
    ctx = replace(pipeline_context, settings=before_loss, archives=own_bucket)
    await create_fixture_schema(target)
    data = await table_fingerprints(target)
    full = await completed_backup(ctx, target, "full")
    partial = await completed_backup(ctx, target, "partial", ["public.ingredients"])
    scheduled, old_schedule_id = await scheduled_backup(ctx, target)
    plain = replace(ctx, settings=before_loss.model_copy(update={"encryption": "off"}))
    legacy = await completed_backup(plain, target, "partial", ["public.households"])
    legacy_taken_at = as_format_version_1(own_bucket, legacy)
    damaged = await completed_backup(ctx, target, "partial", ["public.categories"])
    own_bucket.delete_prefix(keys.table_key(damaged, 0))
    own_bucket.put_bytes(keys.table_key("bk_unfinished", 0), b"an export that never ended")
    originals = {backup_id: await backup_row(ctx, backup_id) for backup_id in (full, partial)}

    # Lifeboat's server is gone; a new one has no database for it at all.
    after_loss = before_loss.model_copy(update={"database_url": lost_database_url})
    result = await rebuild(after_loss)

    assert result.returncode == 0, result.stderr
    assert result.stdout == (
        "catalog rebuilt: 4 backup(s) added, 0 already recorded, 2 skipped "
        f"(backups/{damaged}/, backups/bk_unfinished/)\n"
    )
    assert "Traceback" not in result.stderr
    assert f"{keys.table_key(damaged, 0)} (public.categories) is missing" in result.stderr
    assert "has no manifest" in result.stderr
    again = await rebuild(after_loss)
    assert again.stdout.startswith("catalog rebuilt: 0 backup(s) added, 4 already recorded")

    engine = create_engine(lost_database_url, pool_size=2)
    rebuilt = replace(ctx, settings=after_loss, sessions=session_factory(engine))
    try:
        recorded = await records(rebuilt)
        assert sorted(recorded) == sorted([full, partial, scheduled, legacy])
        for backup_id, original in originals.items():
            row, creator = recorded[backup_id]
            assert (row.status, row.backup_type) == ("completed", original.backup_type)
            assert row.tables_included == original.tables_included
            assert (row.file_path, row.file_size_bytes) == (
                original.file_path,
                original.file_size_bytes,
            )
            assert row.created_at == original.created_at
            assert row.completed_at is not None and row.completed_at >= original.created_at
            assert creator.email == auth_service.SYSTEM_ACCOUNT_EMAIL
            assert row.metadata_ is not None
            assert row.metadata_["originalCreatedBy"] == "exporter@test.local"
            assert original.metadata_ is not None  # encrypted, recorded as the export does
            assert row.metadata_["encryption"] == original.metadata_["encryption"]
        row, _ = recorded[scheduled]
        async with rebuilt.sessions() as session:
            seeded = await session.scalar(
                select(Schedule.id).where(Schedule.name == "daily-system-backup")
            )
        assert row.metadata_ is not None and row.metadata_["scheduleId"] == str(seeded)
        assert row.metadata_["originalScheduleId"] == old_schedule_id
        assert row.description == "daily: due 02:00"

        row, creator = recorded[legacy]
        assert row.created_at.isoformat() == legacy_taken_at
        assert row.tables_included == ["public.households"]
        assert creator.email == auth_service.SYSTEM_ACCOUNT_EMAIL
        assert row.metadata_ is not None and "originalCreatedBy" not in row.metadata_

        listed = {b["backupId"]: b for b in await listed_by_the_api(after_loss)}
        assert listed[partial]["tablesIncluded"] == ["public.ingredients"]
        assert listed[full]["status"] == "COMPLETED"

        await target.execute("UPDATE public.ingredients SET kcal_per_100g = kcal_per_100g + 1")
        outcome = await run_restore(rebuilt, await request_restore(rebuilt, full))
        assert outcome.records_count["public.ingredients"] == data["public.ingredients"].rows
        assert await table_fingerprints(target) == data
    finally:
        await engine.dispose()
