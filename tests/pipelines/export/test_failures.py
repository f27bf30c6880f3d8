"""When an export cannot be made: failed with a message a person can act on, nothing stored."""

import os
from collections.abc import AsyncIterator
from dataclasses import replace
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest

from app.backups.lifecycle import BackupNotCreating
from app.db.locks import try_lock
from app.pipelines.context import PipelineContext
from app.pipelines.export.pipeline import BackupBusy, ExportFailed, run_export
from app.storage import keys
from app.storage.client import ObjectStore
from tests.support.pipeline import backup_row, create_backup_row

ROLE = f"lbtest_{os.getpid()}_exporter"


@pytest.fixture
async def exporter_role(target: asyncpg.Connection) -> AsyncIterator[str]:
    """A login role that is neither superuser nor BYPASSRLS."""
    await target.execute(f"DROP ROLE IF EXISTS {ROLE}")
    await target.execute(f"CREATE ROLE {ROLE} LOGIN NOSUPERUSER NOBYPASSRLS")
    await target.execute(f"GRANT USAGE ON SCHEMA public TO {ROLE}")
    yield ROLE
    await target.execute(f"DROP OWNED BY {ROLE} CASCADE")
    await target.execute(f"DROP ROLE {ROLE}")


def as_role(ctx: PipelineContext, role: str) -> PipelineContext:
    parts = urlsplit(ctx.settings.target_database_url)
    url = urlunsplit(parts._replace(netloc=f"{role}@{parts.hostname}:{parts.port}"))
    return replace(ctx, settings=ctx.settings.model_copy(update={"target_database_url": url}))


async def assert_failed_and_empty(ctx: PipelineContext, backup_id: str) -> str:
    row = await backup_row(ctx, backup_id)
    assert row.status == "failed"
    assert row.file_path is None and row.file_size_bytes is None
    assert ctx.archives.list(keys.backup_prefix(backup_id)) == []
    assert row.error_message
    return row.error_message


async def test_forced_row_security_fails_naming_the_table_and_the_fix(
    pipeline_context: PipelineContext, target: asyncpg.Connection, exporter_role: str
) -> None:
    await target.execute(
        f"""
        CREATE TABLE public.notes (id int, owner_name text);
        INSERT INTO notes VALUES (1, 'someone'), (2, '{exporter_role}');
        ALTER TABLE notes ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
        CREATE POLICY mine ON notes USING (owner_name = current_user);
        CREATE TABLE public.aaa_first (x int); INSERT INTO aaa_first VALUES (1);
        ALTER TABLE notes OWNER TO {exporter_role}; ALTER TABLE aaa_first OWNER TO {exporter_role};
        """
    )
    ctx = as_role(pipeline_context, exporter_role)
    backup_id = await create_backup_row(ctx, target, "full")

    with pytest.raises(ExportFailed) as failure:
        await run_export(ctx, backup_id)

    message = await assert_failed_and_empty(ctx, backup_id)
    assert message == failure.value.message
    assert "public.notes" in message and "BYPASSRLS" in message and exporter_role in message

    await target.execute(f"ALTER ROLE {exporter_role} BYPASSRLS")
    again = await create_backup_row(ctx, target, "full")
    manifest = await run_export(ctx, again)
    assert {t.name: t.rows for t in manifest.tables} == {"public.aaa_first": 1, "public.notes": 2}


async def test_a_table_the_role_may_not_read_fails_naming_it(
    pipeline_context: PipelineContext, target: asyncpg.Connection, exporter_role: str
) -> None:
    await target.execute("CREATE TABLE public.payroll (amount int)")
    ctx = as_role(pipeline_context, exporter_role)
    backup_id = await create_backup_row(ctx, target, "partial", ["payroll"])

    with pytest.raises(ExportFailed):
        await run_export(ctx, backup_id)

    message = await assert_failed_and_empty(ctx, backup_id)
    assert "payroll" in message and "GRANT SELECT" in message


async def test_storage_failure_after_tables_were_uploaded_leaves_no_objects(
    pipeline_context: PipelineContext, target: asyncpg.Connection
) -> None:
    await target.execute("CREATE TABLE meals AS SELECT generate_series(1, 1000) AS id")
    missing = ObjectStore(pipeline_context.uploads.client, "lbtest-no-such-bucket")
    ctx = replace(pipeline_context, uploads=missing)
    backup_id = await create_backup_row(ctx, target, "full")

    with pytest.raises(ExportFailed):
        await run_export(ctx, backup_id)

    message = await assert_failed_and_empty(ctx, backup_id)
    assert "object storage" in message and "NoSuchBucket" in message


async def test_unreachable_target_fails_saying_which_database(
    pipeline_context: PipelineContext, target: asyncpg.Connection
) -> None:
    backup_id = await create_backup_row(pipeline_context, target, "full")
    url = "postgresql://root@127.0.0.1:1/nowhere"
    settings = pipeline_context.settings.model_copy(update={"target_database_url": url})
    ctx = replace(pipeline_context, settings=settings)

    with pytest.raises(ExportFailed):
        await run_export(ctx, backup_id)

    message = await assert_failed_and_empty(ctx, backup_id)
    assert "127.0.0.1:1/nowhere" in message and "LIFEBOAT_TARGET_DATABASE_URL" in message


async def test_a_table_dropped_after_a_partial_backup_was_requested_is_named(
    pipeline_context: PipelineContext, target: asyncpg.Connection
) -> None:
    await target.execute('CREATE TABLE "Gone Soon" (x int)')
    backup_id = await create_backup_row(pipeline_context, target, "partial", ['"Gone Soon"'])
    await target.execute('DROP TABLE "Gone Soon"')

    with pytest.raises(ExportFailed):
        await run_export(pipeline_context, backup_id)

    message = await assert_failed_and_empty(pipeline_context, backup_id)
    assert 'public."Gone Soon" no longer exists' in message


async def test_finished_backups_are_left_alone(
    pipeline_context: PipelineContext, target: asyncpg.Connection
) -> None:
    ctx = pipeline_context
    backup_id = await create_backup_row(ctx, target, "full")
    await run_export(ctx, backup_id)
    before = await backup_row(ctx, backup_id)

    with pytest.raises(BackupNotCreating):
        await run_export(ctx, backup_id)

    after = await backup_row(ctx, backup_id)
    assert (after.status, after.completed_at) == ("completed", before.completed_at)
    assert ctx.archives.exists(keys.manifest_key(backup_id))


async def test_a_backup_another_worker_holds_is_not_exported_twice(
    pipeline_context: PipelineContext, target: asyncpg.Connection
) -> None:
    backup_id = await create_backup_row(pipeline_context, target, "full")
    assert await try_lock(target, f"lifeboat:backup:{backup_id}")

    with pytest.raises(BackupBusy):
        await run_export(pipeline_context, backup_id)

    row = await backup_row(pipeline_context, backup_id)
    assert row.status == "creating" and row.progress == {"step": "queued"}
