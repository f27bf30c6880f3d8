"""When a restore cannot be done: failed with a message a person can act on, database unchanged."""

import json
import uuid
from dataclasses import replace

import asyncpg
import pytest

from app.db.engine import transaction
from app.errors import PreconditionFailed
from app.pipelines.context import PipelineContext
from app.pipelines.restore.pipeline import RestoreFailed, run_restore
from app.restores import repository
from app.restores.targets import configured_target
from app.settings import Settings
from tests.restores.scenario import TABLE_SETTINGS
from tests.restores.support import (
    clear_running_restores,
    completed_backup,
    database_state,
    request_restore,
    restore_row,
    restorer,
)
from tests.support.archive import flip_one_byte, stored_manifest
from tests.support.fixture_schema import create_fixture_schema


async def unchecked_restore(ctx: PipelineContext, backup_id: str) -> str:
    """An `in_progress` restore recorded without the mutation's checks, as if they had passed
    before the target changed; the worker must find what is wrong itself."""
    await clear_running_restores(ctx.settings.database_url)
    admin = await restorer(ctx)
    async with transaction(ctx.sessions) as session:
        row = await repository.insert(
            session, backup_id, admin.id, configured_target(ctx.settings).key
        )
    return str(row.id)


async def run_and_fail(ctx: PipelineContext, restore_id: str) -> str:
    with pytest.raises(RestoreFailed) as failure:
        await run_restore(ctx, restore_id)
    row = await restore_row(ctx, restore_id)
    assert (row.status, row.error_log) == ("failed", failure.value.message)
    assert row.completed_at is not None and row.tables_restored is None
    return failure.value.message


async def test_corrupted_archive_fails_during_the_load_and_changes_nothing(
    pipeline_context: PipelineContext, target: asyncpg.Connection
) -> None:
    ctx = pipeline_context
    await create_fixture_schema(target)
    await target.execute(TABLE_SETTINGS)
    backup_id = await completed_backup(ctx, target)
    await target.execute("UPDATE public.meal_log SET note = 'after the backup'")
    before = await database_state(target)
    entry = next(t for t in stored_manifest(ctx.archives, backup_id).tables if t.rows > 1000)
    flip_one_byte(ctx.archives, entry.object)
    restore_id = await request_restore(ctx, backup_id)

    message = await run_and_fail(ctx, restore_id)

    assert "corrupted" in message and entry.name in message and entry.object in message
    assert "the database is unchanged" in message
    assert await database_state(target) == before
    assert await target.fetchval("SELECT to_regclass('lifeboat.applied_restores')") is None


async def test_a_column_lost_since_the_backup_is_refused_naming_it(
    pipeline_context: PipelineContext, target: asyncpg.Connection
) -> None:
    ctx = pipeline_context
    await target.execute(
        "CREATE TABLE meals (id int, title text, kcal int);INSERT INTO meals VALUES (1, 'soup', 90)"
    )
    backup_id = await completed_backup(ctx, target, "partial", ["meals"])
    restore_id = await unchecked_restore(ctx, backup_id)
    # Only the lost column refuses: an added nullable one and a changed type would load.
    await target.execute(
        "ALTER TABLE meals DROP COLUMN title, ADD COLUMN served date, ALTER COLUMN kcal TYPE bigint"
    )
    before = await database_state(target)

    message = await run_and_fail(ctx, restore_id)

    assert "column title (text) of public.meals is in the backup but no longer" in message
    assert "served" not in message and "kcal" not in message
    assert await database_state(target) == before
    assert (await restore_row(ctx, restore_id)).pre_restore_backup_id is None
    with pytest.raises(PreconditionFailed, match="column title"):
        await request_restore(ctx, backup_id)


async def test_partial_restore_keeping_references_valid_succeeds(
    pipeline_context: PipelineContext, target: asyncpg.Connection
) -> None:
    ctx = pipeline_context
    await create_fixture_schema(target)
    await target.execute(TABLE_SETTINGS)
    before = await database_state(target)
    backup_id = await completed_backup(ctx, target, "partial", ["public.members"])
    await target.execute("UPDATE public.members SET display_name = 'renamed'")

    await run_restore(ctx, await request_restore(ctx, backup_id))

    assert await database_state(target) == before  # billing.invoices still references member 10


async def test_partial_restore_that_would_break_references_fails_naming_them(
    pipeline_context: PipelineContext, target: asyncpg.Connection
) -> None:
    ctx = pipeline_context
    await create_fixture_schema(target)
    backup_id = await completed_backup(ctx, target, "partial", ["public.members"])
    await target.execute(
        "INSERT INTO public.members VALUES (30, 1, 'Cy');"
        "INSERT INTO billing.invoices (member_id, total) VALUES (30, '3.00')"
    )
    before = await database_state(target)
    restore_id = await request_restore(ctx, backup_id)

    message = await run_and_fail(ctx, restore_id)

    assert "invoices_member_id_fkey" in message and "billing.invoices" in message
    assert "(member_id)=(30)" in message
    assert await database_state(target) == before


async def test_a_restore_of_a_manifestless_archive_is_refused(
    pipeline_context: PipelineContext, target: asyncpg.Connection
) -> None:
    ctx = pipeline_context
    await target.execute("CREATE TABLE meals (id int)")
    backup_id = await completed_backup(ctx, target, "partial", ["meals"])
    restore_id = await unchecked_restore(ctx, backup_id)
    ctx.archives.client.remove_object(ctx.archives.bucket, f"backups/{backup_id}/manifest.json")

    message = await run_and_fail(ctx, restore_id)

    assert "has no manifest" in message and backup_id in message


async def test_an_archive_in_a_copy_format_lifeboat_does_not_write_is_refused(
    pipeline_context: PipelineContext, target: asyncpg.Connection
) -> None:
    # A plain archive: an encrypted one's manifest would fail its MAC before this check.
    ctx = replace(pipeline_context, settings=Settings(encryption="off"))
    await target.execute("CREATE TABLE meals (id int)")
    await target.execute("INSERT INTO meals VALUES (1), (2)")
    backup_id = await completed_backup(ctx, target, "partial", ["meals"])
    key = f"backups/{backup_id}/manifest.json"
    body = json.loads(ctx.archives.get_bytes(key))
    assert body["encryption"] is None
    body["copyFormat"] = "binary"
    ctx.archives.put_bytes(key, json.dumps(body).encode(), content_type="application/json")
    restore_id = await unchecked_restore(ctx, backup_id)

    message = await run_and_fail(ctx, restore_id)

    assert "'binary'" in message and "unknown" in message
    assert await target.fetchval("SELECT count(*) FROM meals") == 2


async def test_a_restore_id_nobody_requested_is_an_unknown_job(
    pipeline_context: PipelineContext,
) -> None:
    from app.jobs import UnknownJob

    with pytest.raises(UnknownJob):
        await run_restore(pipeline_context, str(uuid.uuid4()))
