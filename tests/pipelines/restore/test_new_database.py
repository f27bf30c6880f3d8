"""targetDatabase: a backup restored beside the live database, in a new or an empty one."""

import os
from collections.abc import AsyncIterator

import asyncpg
import pytest

from app.db.urls import with_database
from app.errors import PreconditionFailed
from app.pipelines.context import PipelineContext
from app.pipelines.restore.newdb import restore_into_new_database
from app.pipelines.restore.options import RestoreOptions
from app.pipelines.restore.pipeline import RestoreFailed, run_restore
from app.pipelines.restore.progress import RestoreProgress
from app.pipelines.restore.validate import read_manifest
from app.storage.client import ObjectStore
from tests.conftest import ADMIN_URL
from tests.pipelines.restore.test_schema_from_archive import fixture_with_pantry
from tests.restores.support import (
    as_role,
    completed_backup,
    database_state,
    owner_role,
    request_restore,
    restore_row,
    schema_dump,
)
from tests.support.archive import flip_one_byte
from tests.support.pipeline import backup_row

MATVIEW = """
CREATE MATERIALIZED VIEW public.recipe_count AS SELECT count(*) AS n FROM public.recipes;
"""


@pytest.fixture
async def scratch(pipeline_context: PipelineContext) -> AsyncIterator[str]:
    """A database name on the target's server, dropped after the test."""
    name = f"lbtest_{os.getpid()}_copy"
    yield name
    admin = await asyncpg.connect(ADMIN_URL)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


async def exists(name: str) -> bool:
    admin = await asyncpg.connect(ADMIN_URL)
    try:
        return bool(await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name))
    finally:
        await admin.close()


async def state_of(url: str) -> dict[str, object]:
    # The search_path the `target` fixture's session has (names read back depend on it).
    conn = await asyncpg.connect(url, server_settings={"search_path": '"$user", public'})
    try:
        return await database_state(conn)
    finally:
        await conn.close()


async def settings_of(url: str) -> list[str]:
    conn = await asyncpg.connect(url)
    try:
        return sorted(
            await conn.fetchval(
                "SELECT setconfig FROM pg_db_role_setting s JOIN pg_database d"
                " ON d.oid = s.setdatabase WHERE d.datname = current_database() AND setrole = 0"
            )
            or []
        )
    finally:
        await conn.close()


async def test_a_new_database_gets_the_whole_backup_and_the_target_is_left_alone(
    pipeline_context: PipelineContext,
    target: asyncpg.Connection,
    uploads: ObjectStore,
    scratch: str,
) -> None:
    ctx = pipeline_context
    url = ctx.settings.target_database_url
    await fixture_with_pantry(target)
    await target.execute(MATVIEW)
    database = url.rsplit("/", 1)[1]
    await target.execute(
        f'ALTER DATABASE "{database}" SET search_path = "$user", public, stock;'
        f"ALTER DATABASE \"{database}\" SET work_mem = '5MB'"
    )
    try:
        definitions, before = await schema_dump(url), await database_state(target)
        backup_id = await completed_backup(ctx, target)
        await target.execute("INSERT INTO public.recipes (id, title) VALUES (99, 'after')")
        now = await database_state(target)
        uploads.put_bytes("added/after.txt", b"new", content_type="text/plain")

        restore_id = await request_restore(ctx, backup_id, RestoreOptions(target_database=scratch))
        await run_restore(ctx, restore_id)

        copy = with_database(url, scratch)
        assert await schema_dump(copy) == definitions
        assert await state_of(copy) == before
        assert await settings_of(copy) == await settings_of(url)
    finally:
        await target.execute(f'ALTER DATABASE "{database}" RESET ALL')
    assert await database_state(target) == now
    assert uploads.get_bytes("added/after.txt") == b"new"
    conn = await asyncpg.connect(copy)
    try:  # created WITH NO DATA by pg_dump, filled as pg_restore fills it
        assert await conn.fetchval("SELECT n FROM public.recipe_count") == 2
    finally:
        await conn.close()
    row = await restore_row(ctx, restore_id)
    assert (row.status, row.target_database, row.created_database) == ("completed", scratch, True)
    assert row.pre_restore_backup_id is None and row.warnings == []
    steps = [time["step"] for time in (row.progress or {})["stepTimes"]]
    assert steps[steps.index("validate") :] == [
        "validate", "create database", "schema", "load", "finalize", "verify", "commit",
        "completed",
    ]  # fmt: skip


async def test_a_new_database_is_dropped_again_when_the_restore_fails(
    pipeline_context: PipelineContext, target: asyncpg.Connection, scratch: str
) -> None:
    ctx = pipeline_context
    await fixture_with_pantry(target)
    backup_id = await completed_backup(ctx, target)
    manifest = read_manifest(ctx.archives, await backup_row(ctx, backup_id), ctx.settings.keyring)
    damaged = next(entry for entry in manifest.tables if entry.name == "public.kitchen_sink")
    flip_one_byte(ctx.archives, damaged.object)
    restore_id = await request_restore(ctx, backup_id, RestoreOptions(target_database=scratch))

    with pytest.raises(RestoreFailed, match="corrupted"):
        await run_restore(ctx, restore_id)

    assert not await exists(scratch)
    assert (await restore_row(ctx, restore_id)).status == "failed"


async def test_an_existing_empty_database_is_loaded_and_left_empty_on_failure(
    pipeline_context: PipelineContext, target: asyncpg.Connection, scratch: str
) -> None:
    ctx = pipeline_context
    url = ctx.settings.target_database_url
    await fixture_with_pantry(target)
    definitions, before = await schema_dump(url), await database_state(target)
    backup_id = await completed_backup(ctx, target)
    admin = await asyncpg.connect(ADMIN_URL)
    try:
        await admin.execute(f'CREATE DATABASE "{scratch}"')
    finally:
        await admin.close()
    copy = with_database(url, scratch)
    empty = await schema_dump(copy)

    restore_id = await request_restore(ctx, backup_id, RestoreOptions(target_database=scratch))
    await run_restore(ctx, restore_id)

    assert await schema_dump(copy) == definitions
    assert await state_of(copy) == before
    row = await restore_row(ctx, restore_id)
    assert (row.created_database, row.pre_restore_backup_id) == (False, None)
    # No longer empty: refused, and nothing changed.
    with pytest.raises(PreconditionFailed, match=f"database {scratch} exists and is not empty"):
        await request_restore(ctx, backup_id, RestoreOptions(target_database=scratch))
    assert empty != definitions


async def test_a_non_superuser_with_createdb_restores_into_a_new_database(
    pipeline_context: PipelineContext, target: asyncpg.Connection, scratch: str
) -> None:
    ctx = pipeline_context
    await fixture_with_pantry(target)
    before = await database_state(target)
    backup_id = await completed_backup(ctx, target)
    async with owner_role(target) as role:
        as_owner = as_role(ctx, role)
        with pytest.raises(PreconditionFailed, match=f"role {role} may not create databases"):
            await request_restore(as_owner, backup_id, RestoreOptions(target_database=scratch))
        await target.execute(f"ALTER ROLE {role} CREATEDB")
        restore_id = await request_restore(
            as_owner, backup_id, RestoreOptions(target_database=scratch)
        )
        await run_restore(as_owner, restore_id)

        copy = with_database(ctx.settings.target_database_url, scratch)
        assert await state_of(copy) == before
        warnings = (await restore_row(ctx, restore_id)).warnings
        why = f"role {role} is not a member of root"
        assert f"TABLE stock.pantry: owned by {role}, not root as archived ({why})" in warnings
        conn = await asyncpg.connect(copy)
        try:
            owners = await conn.fetch(
                "SELECT DISTINCT pg_get_userbyid(relowner) AS owner FROM pg_class c"
                " JOIN pg_namespace n ON n.oid = c.relnamespace"
                " WHERE n.nspname IN ('public', 'stock', 'billing')"
            )
        finally:
            await conn.close()
        assert [row["owner"] for row in owners] == [role]
        admin = await asyncpg.connect(ADMIN_URL)
        try:
            await admin.execute(f'DROP DATABASE "{scratch}" WITH (FORCE)')
        finally:
            await admin.close()


async def test_the_drills_function_loads_a_new_database_without_a_restore_operation(
    pipeline_context: PipelineContext, target: asyncpg.Connection, scratch: str
) -> None:
    ctx = pipeline_context
    await fixture_with_pantry(target)
    before = await database_state(target)
    backup_id = await completed_backup(ctx, target)
    manifest = read_manifest(ctx.archives, await backup_row(ctx, backup_id), ctx.settings.keyring)
    progress = RestoreProgress()

    result = await restore_into_new_database(
        ctx, manifest, ctx.settings.target_database_url, scratch, progress, jobs=3
    )

    assert result.records_count == {table.name: table.rows for table in manifest.tables}
    assert await state_of(with_database(ctx.settings.target_database_url, scratch)) == before
    assert progress.tables_done == len(manifest.tables) and progress.rows == sum(
        table.rows for table in manifest.tables
    )
