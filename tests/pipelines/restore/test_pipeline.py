"""The restore pipeline on the fixture schema: data, sequences and table settings come back."""

import asyncpg

from app.backups.repository import get_by_backup_id
from app.db.engine import transaction
from app.pipelines.context import PipelineContext
from app.pipelines.restore.pipeline import run_restore
from app.storage.client import ObjectStore
from tests.restores.scenario import CHANGES, TABLE_SETTINGS
from tests.restores.support import (
    completed_backup,
    database_state,
    request_restore,
    restore_row,
    restorer,
)
from tests.support.archive import stored_manifest
from tests.support.fixture_schema import FIXTURE_TABLES, create_fixture_schema


async def fixture_with_settings(target: asyncpg.Connection) -> None:
    await create_fixture_schema(target)
    await target.execute(TABLE_SETTINGS)


async def test_full_restore_brings_back_every_row_sequence_and_table_setting(
    pipeline_context: PipelineContext, target: asyncpg.Connection
) -> None:
    ctx = pipeline_context
    await fixture_with_settings(target)
    before = await database_state(target)
    backup_id = await completed_backup(ctx, target)
    await target.execute(CHANGES)
    assert await database_state(target) != before

    restore_id = await request_restore(ctx, backup_id)
    outcome = await run_restore(ctx, restore_id)

    assert await database_state(target) == before
    row = await restore_row(ctx, restore_id)
    assert (row.status, row.error_log) == ("completed", None)
    assert row.completed_at is not None
    manifest = stored_manifest(ctx.archives, backup_id)
    assert set(FIXTURE_TABLES) < set(manifest.table_names) == set(row.tables_restored or [])
    assert row.records_count == {table.name: table.rows for table in manifest.tables}
    assert row.records_count == outcome.records_count
    assert row.pre_restore_backup_id == outcome.pre_restore_backup_id
    assert row.progress is not None and row.progress["step"] == "completed"
    assert row.progress["tablesDone"] == len(manifest.table_names)
    assert row.progress["percent"] == 100
    assert row.progress["rowsDone"] == sum(outcome.records_count.values())
    assert row.progress["bytesDone"] == sum(table.raw_bytes for table in manifest.tables)
    steps = [time["step"] for time in row.progress["stepTimes"]]
    assert steps[steps.index("validate") :] == [
        "validate", "snapshot", "prepare", "load", "indexes", "foreign keys", "verify",
        "commit", "uploads", "completed",
    ]  # fmt: skip
    assert all(time["seconds"] >= 0 for time in row.progress["stepTimes"])


async def test_pre_restore_snapshot_is_a_listed_backup_that_undoes_the_restore(
    pipeline_context: PipelineContext, target: asyncpg.Connection
) -> None:
    ctx = pipeline_context
    await fixture_with_settings(target)
    backup_id = await completed_backup(ctx, target)
    await target.execute(CHANGES)
    changed = await database_state(target)
    restore_id = await request_restore(ctx, backup_id)
    await run_restore(ctx, restore_id)
    snapshot_id = (await restore_row(ctx, restore_id)).pre_restore_backup_id
    assert snapshot_id is not None

    async with transaction(ctx.sessions) as session:
        snapshot = await get_by_backup_id(session, snapshot_id)
    assert snapshot is not None
    assert snapshot.created_by == (await restorer(ctx)).id
    assert (snapshot.status, snapshot.backup_type) == ("completed", "full")
    assert (snapshot.metadata_ or {})["preRestoreFor"] == restore_id
    assert snapshot.tables_included == stored_manifest(ctx.archives, backup_id).table_names
    undo_id = await request_restore(ctx, snapshot_id)
    await run_restore(ctx, undo_id)

    assert await database_state(target) == changed
    assert (await restore_row(ctx, undo_id)).status == "completed"


async def test_partial_restore_replaces_only_its_tables_and_their_sequences(
    pipeline_context: PipelineContext, target: asyncpg.Connection
) -> None:
    ctx = pipeline_context
    await fixture_with_settings(target)
    tables = ['"Odd Schema"."Mixed Case"', "public.ingredients", "public.meal_log"]
    before = await database_state(target)
    backup_id = await completed_backup(ctx, target, "partial", tables)
    await target.execute(CHANGES)
    changed = await database_state(target)

    restore_id = await request_restore(ctx, backup_id)
    await run_restore(ctx, restore_id)

    after = await database_state(target)
    for name in after["rows"]:
        expected = before if name in tables else changed
        assert after["rows"][name] == expected["rows"][name], name
    own_sequences = {"public.ingredients_id_seq", "public.ingredients_legacy_no_seq"}
    own_sequences.add("public.meal_log_id_seq")
    for name, value in after["sequences"].items():
        expected = before if name in own_sequences else changed
        assert value == expected["sequences"][name], name
    for part in ("row_security", "policies", "triggers", "constraints"):
        assert after[part] == before[part] == changed[part]
    row = await restore_row(ctx, restore_id)
    assert row.tables_restored == tables
    assert row.records_count == {"public.ingredients": 201, "public.meal_log": 1500} | {
        '"Odd Schema"."Mixed Case"': 2
    }
    snapshot = stored_manifest(ctx.archives, row.pre_restore_backup_id or "")
    assert (snapshot.backup_type, snapshot.table_names) == ("partial", tables)


async def test_full_restore_puts_uploads_back_and_removes_newer_ones(
    pipeline_context: PipelineContext, target: asyncpg.Connection, uploads: ObjectStore
) -> None:
    ctx = pipeline_context
    uploads.delete_prefix("")
    uploads.put_bytes("avatars/ana.png", b"original", content_type="image/png")
    uploads.put_bytes("notes/été.txt", b"kept", content_type="text/plain")
    await target.execute("CREATE TABLE meals (id int); INSERT INTO meals VALUES (1)")
    backup_id = await completed_backup(ctx, target)
    uploads.put_bytes("avatars/ana.png", b"overwritten", content_type="image/png")
    uploads.put_bytes("added/later.bin", b"new", content_type="application/octet-stream")
    ctx.uploads.client.remove_object(uploads.bucket, "notes/été.txt")

    restore_id = await request_restore(ctx, backup_id)
    await run_restore(ctx, restore_id)

    assert {obj.key for obj in uploads.list("")} == {"avatars/ana.png", "notes/été.txt"}
    assert uploads.get_bytes("avatars/ana.png") == b"original"
    assert uploads.get_bytes("notes/été.txt") == b"kept"
    stat = uploads.client.stat_object(uploads.bucket, "avatars/ana.png")
    assert stat.content_type == "image/png"
    snapshot_id = (await restore_row(ctx, restore_id)).pre_restore_backup_id or ""
    held = stored_manifest(ctx.archives, snapshot_id).uploads
    assert held is not None and held.files == 2  # the overwritten avatar and the added file
