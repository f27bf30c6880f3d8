"""The drill on the fixture schema: sound backups pass; damage fails naming the part; what
keeps a drill from running is an ERROR saying what to fix. After each: the target unchanged,
no scratch database left."""

import asyncpg
import pytest

from app.db.urls import with_database
from app.pipelines.context import PipelineContext
from app.pipelines.drill.loader import new_database_loader
from app.pipelines.drill.pipeline import run_drill
from app.pipelines.export.pipeline import run_export
from tests.conftest import ADMIN_URL
from tests.support.archive import copy_bytes, damage_table, stored_manifest
from tests.support.drill import (
    request,
    rewrite_table,
    scratch_left,
    store_manifest,
    verification,
)
from tests.support.fixture_schema import FIXTURE_TABLES, create_fixture_schema, table_fingerprints
from tests.support.pipeline import create_backup_row


@pytest.fixture
async def backed_up(pipeline_context: PipelineContext, target: asyncpg.Connection) -> str:
    """A completed full backup of the fixture schema."""
    await create_fixture_schema(target)
    backup_id = await create_backup_row(pipeline_context, target, "full")
    await run_export(pipeline_context, backup_id)
    return backup_id


async def drill(ctx: PipelineContext, backup_id: str, target: asyncpg.Connection) -> str:
    """Drill the backup; check that the target did not change and no scratch is left."""
    before = await table_fingerprints(target)
    verification_id = await request(ctx, backup_id)
    await run_drill(ctx, verification_id, new_database_loader(ctx))
    assert await table_fingerprints(target) == before
    assert await scratch_left(ctx.settings) == []
    return verification_id


async def test_a_sound_full_backup_passes_every_table(
    pipeline_context: PipelineContext, target: asyncpg.Connection, backed_up: str
) -> None:
    drill_id = await drill(pipeline_context, backed_up, target)

    row = await verification(pipeline_context, drill_id)
    assert (row.status, row.error) == ("passed", None)
    manifest = stored_manifest(pipeline_context.archives, backed_up)
    assert row.tables_checked == len(FIXTURE_TABLES)
    assert row.rows_checked == sum(table.rows for table in manifest.tables) > 0
    assert row.finished_at is not None and row.worker_started_at is not None
    assert row.progress is not None
    steps = [time["step"] for time in row.progress["stepTimes"]]
    assert steps[:2] == ["start", "validate"]
    # The restore pipeline's own steps, then the drill's.
    assert {"create database", "schema", "load"} <= set(steps)
    assert steps[-5:] == ["verify", "read back", "sequences", "uploads", "drop"]
    assert row.progress["restoreSeconds"] > 0 and row.progress["readBackSeconds"] > 0


async def test_a_sound_partial_backup_passes(
    pipeline_context: PipelineContext, target: asyncpg.Connection
) -> None:
    await create_fixture_schema(target)
    tables = ["public.recipes", '"Odd Schema"."Mixed Case"']
    backup_id = await create_backup_row(pipeline_context, target, "partial", tables)
    await run_export(pipeline_context, backup_id)

    row = await verification(pipeline_context, await drill(pipeline_context, backup_id, target))

    assert (row.status, row.error, row.tables_checked) == ("passed", None, 2)


async def test_one_flipped_byte_fails_naming_the_table(
    pipeline_context: PipelineContext, target: asyncpg.Connection, backed_up: str
) -> None:
    archives = pipeline_context.archives
    damage_table(archives, backed_up, "public.recipes")

    row = await verification(pipeline_context, await drill(pipeline_context, backed_up, target))

    assert row.status == "failed"
    assert row.error is not None and "public.recipes" in row.error, row.error


async def test_an_archive_that_lost_an_object_fails_naming_it(
    pipeline_context: PipelineContext, target: asyncpg.Connection, backed_up: str
) -> None:
    archives = pipeline_context.archives
    entry = next(
        t for t in stored_manifest(archives, backed_up).tables if t.name == "public.members"
    )
    archives.client.remove_object(archives.bucket, entry.object)

    row = await verification(pipeline_context, await drill(pipeline_context, backed_up, target))

    assert row.status == "failed"
    assert row.error is not None and entry.object in row.error and "missing" in row.error


async def test_a_unique_violation_planted_in_the_archive_fails_naming_the_constraint(
    pipeline_context: PipelineContext, target: asyncpg.Connection, backed_up: str
) -> None:
    archives = pipeline_context.archives
    manifest = stored_manifest(archives, backed_up)
    name = '"Odd Schema"."Mixed Case"'
    entry = next(t for t in manifest.tables if t.name == name)
    rows = await copy_bytes(archives, entry, manifest.data_key)
    first = rows.split(b"\n", 1)[0] + b"\n"
    rewrite_table(archives, manifest, name, rows + first)  # checksums agree, one id twice

    row = await verification(pipeline_context, await drill(pipeline_context, backed_up, target))

    assert row.status == "failed"
    assert row.error == (
        "the backup is damaged: the restored rows break constraint Mixed Case_pkey of table "
        '"Odd Schema"."Mixed Case": could not create unique index "Mixed Case_pkey" '
        '(Key ("ID")=(1) is duplicated)'
    )


async def test_rows_that_differ_from_the_recorded_stream_fail(
    pipeline_context: PipelineContext, target: asyncpg.Connection, backed_up: str
) -> None:
    """An archive whose object is sound but whose rows are not those the backup read."""
    archives = pipeline_context.archives
    manifest = stored_manifest(archives, backed_up)
    entry = next(t for t in manifest.tables if t.name == "public.categories")
    digest = entry.stream_sha256
    rows = await copy_bytes(archives, entry, manifest.data_key)
    rewrite_table(archives, manifest, entry.name, rows.replace(b"Roots", b"Boots"))
    entry.stream_sha256 = digest  # the manifest still holds what the export read
    store_manifest(archives, manifest)

    row = await verification(pipeline_context, await drill(pipeline_context, backed_up, target))

    assert row.status == "failed"
    assert row.error is not None
    assert row.error.startswith("the backup is damaged: table public.categories: its rows read")


async def test_a_role_without_createdb_gives_error_saying_what_to_fix(
    pipeline_context: PipelineContext, target: asyncpg.Connection, backed_up: str
) -> None:
    role = f"lbdrill_{target.get_server_pid()}"
    admin = await asyncpg.connect(ADMIN_URL)
    await admin.execute(f"DROP ROLE IF EXISTS {role}")
    await admin.execute(f"CREATE ROLE {role} LOGIN NOCREATEDB")
    try:
        drill_url = with_database(f"postgresql://{role}@127.0.0.1:5432/x", "postgres")
        settings = pipeline_context.settings.model_copy(update={"drill_database_url": drill_url})
        ctx = PipelineContext(
            settings, pipeline_context.sessions, pipeline_context.archives, pipeline_context.uploads
        )

        row = await verification(ctx, await drill(ctx, backed_up, target))
    finally:
        await admin.execute(f"DROP ROLE IF EXISTS {role}")
        await admin.close()

    assert row.status == "error"
    assert row.error is not None and f"ALTER ROLE {role} CREATEDB" in row.error, row.error
