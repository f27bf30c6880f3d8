"""The export pipeline on the fixture schema: what it stores, what it records, read back."""

import hashlib
from collections.abc import AsyncIterator
from dataclasses import replace

import asyncpg
import pytest

from app.archive.uploads import iter_uploads
from app.crypto.sealing import plaintext_digest
from app.db.urls import with_database
from app.pipelines.context import PipelineContext
from app.pipelines.export.pipeline import run_export
from app.settings import Settings
from app.storage import keys
from app.storage.client import ObjectStore
from tests.support.archive import copy_bytes, load_archive, stored_manifest
from tests.support.fixture_schema import (
    FIXTURE_TABLES,
    create_fixture_schema,
    table_fingerprints,
)
from tests.support.pipeline import backup_row, create_backup_row

ADMIN_URL = "postgresql://root@127.0.0.1:5432/postgres"
UPLOADS = {
    "avatars/ana.png": (b"\x89PNG fake bytes \x00\x01", "image/png"),
    "recipes/soup/Photo 1 (été).jpg": (b"jpeg" * 5000, "image/jpeg"),
    "notes.txt": (b"", "text/plain"),
}


@pytest.fixture
async def scratch(settings: Settings, databases: None) -> AsyncIterator[asyncpg.Connection]:
    """An empty database beside the target, with the fixture's tables and no rows."""
    name = settings.target_database_url.rsplit("/", 1)[1] + "_scratch"
    admin = await asyncpg.connect(ADMIN_URL)
    await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    await admin.execute(f'CREATE DATABASE "{name}"')
    conn = await asyncpg.connect(with_database(settings.target_database_url, name))
    await create_fixture_schema(conn, with_data=False)
    yield conn
    await conn.close()
    await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    await admin.close()


@pytest.fixture
def uploaded_files(uploads: ObjectStore) -> dict[str, tuple[bytes, str]]:
    uploads.delete_prefix("")
    for key, (data, content_type) in UPLOADS.items():
        uploads.put_bytes(key, data, content_type=content_type)
    return UPLOADS


async def test_full_export_archives_every_table_so_that_it_loads_back_identical(
    pipeline_context: PipelineContext,
    target: asyncpg.Connection,
    scratch: asyncpg.Connection,
    uploaded_files: dict[str, tuple[bytes, str]],
) -> None:
    ctx = pipeline_context
    await create_fixture_schema(target)
    backup_id = await create_backup_row(ctx, target, "full")

    manifest = await run_export(ctx, backup_id)

    assert stored_manifest(ctx.archives, backup_id) == manifest
    assert manifest.table_names == FIXTURE_TABLES
    await load_archive(scratch, ctx.archives, manifest)
    source = await table_fingerprints(target)
    assert await table_fingerprints(scratch, source) == source
    assert {t.name: t.rows for t in manifest.tables} == {n: p.rows for n, p in source.items()}
    partitioned = next(t for t in manifest.tables if t.name == "public.meal_log")
    assert (partitioned.kind, partitioned.rows) == ("p", 1500)

    row = await backup_row(ctx, backup_id)
    stored = ctx.archives.list(keys.backup_prefix(backup_id))
    assert row.status == "completed"
    assert row.file_path == keys.backup_prefix(backup_id)
    assert row.file_size_bytes == sum(obj.size for obj in stored)
    assert row.tables_included == FIXTURE_TABLES
    assert row.completed_at is not None and row.error_message is None
    assert row.progress is not None and row.progress["tablesDone"] == len(FIXTURE_TABLES)
    assert row.progress["percent"] == 100 and row.progress["etaSeconds"] == 0
    assert row.progress["rowsDone"] == sum(table.rows for table in manifest.tables)
    assert manifest.schema is not None
    streamed = sum(table.raw_bytes for table in manifest.tables) + manifest.schema.raw_bytes
    assert row.progress["bytesDone"] == streamed
    steps = [time["step"] for time in row.progress["stepTimes"]]
    assert steps[steps.index("snapshot") :] == [
        "snapshot", "schema", "export", "uploads", "manifest", "completed"
    ]  # fmt: skip


async def test_manifest_describes_columns_sequences_uploads_and_the_server(
    pipeline_context: PipelineContext,
    target: asyncpg.Connection,
    uploaded_files: dict[str, tuple[bytes, str]],
) -> None:
    ctx = pipeline_context
    await create_fixture_schema(target)
    backup_id = await create_backup_row(ctx, target, "full")

    manifest = await run_export(ctx, backup_id)

    assert manifest.copy_format == "text" and manifest.compression == "zstd"
    assert manifest.server_version == await target.fetchval("SHOW server_version")
    assert len(manifest.schema_fingerprint) == 64
    assert manifest.session_settings["DateStyle"] == "ISO, YMD"
    sink = next(t for t in manifest.tables if t.name == "public.kitchen_sink")
    names = [column.name for column in sink.columns]
    assert "doubled" not in names  # generated: PostgreSQL recomputes it
    assert names[:3] == ["id", "serial_no", "mood"]
    odd = next(t for t in manifest.tables if t.name == '"Odd Schema"."Mixed Case"')
    assert [c.name for c in odd.columns] == ["ID", "with space", 'quote"inside', "lower_case"]
    dropped = next(t for t in manifest.tables if t.name == "public.with_dropped")
    assert [c.name for c in dropped.columns] == ["id", "kept", "added_later"]

    sequences = {s.name: s for s in manifest.sequences}
    assert sequences["billing.invoice_numbers"].last_value == 1007
    assert sequences["billing.invoice_numbers"].owned_by is None
    assert sequences["public.ingredients_id_seq"].owned_by == "public.ingredients"
    assert sequences["public.ingredients_id_seq"].last_value == 200
    assert not any(name.startswith("lifeboat.") for name in sequences)

    assert manifest.uploads is not None
    assert (manifest.uploads.files, manifest.uploads.bucket) == (3, ctx.uploads.bucket)
    restored = {
        upload.key: (upload.stream.read(), upload.content_type)
        for upload in iter_uploads(ctx.archives, manifest.uploads, manifest.data_key)
    }
    assert restored == uploaded_files


async def test_archived_copy_stream_is_the_tables_copy_output(
    pipeline_context: PipelineContext, target: asyncpg.Connection
) -> None:
    ctx = pipeline_context
    await create_fixture_schema(target)
    backup_id = await create_backup_row(ctx, target, "partial", ["public.kitchen_sink"])

    manifest = await run_export(ctx, backup_id)

    (entry,) = manifest.tables
    for name, value in manifest.session_settings.items():
        await target.execute("SELECT set_config($1, $2, false)", name, value)
    expected = bytearray()
    await target.copy_from_table(
        "kitchen_sink",
        schema_name="public",
        columns=[c.name for c in entry.columns],
        output=lambda data: _append(expected, data),
    )
    assert await copy_bytes(ctx.archives, entry, manifest.data_key) == bytes(expected)
    assert entry.raw_bytes == len(expected) and entry.rows == 3
    # What a restore drill compares the rows it reads back with: keyed by the data key, so the
    # manifest confirms no guess of the rows to whoever lacks it.
    digest = plaintext_digest(manifest.data_key)
    digest.update(bytes(expected))
    assert entry.stream_sha256 == digest.hexdigest() != hashlib.sha256(expected).hexdigest()


async def _append(buffer: bytearray, data: bytes) -> None:
    buffer.extend(data)


async def test_partial_export_takes_only_its_tables_their_sequences_and_no_uploads(
    pipeline_context: PipelineContext,
    target: asyncpg.Connection,
    uploaded_files: dict[str, tuple[bytes, str]],
) -> None:
    ctx = pipeline_context
    await create_fixture_schema(target)
    tables = ['"Odd Schema"."Mixed Case"', "public.ingredients"]
    backup_id = await create_backup_row(ctx, target, "partial", tables)

    manifest = await run_export(ctx, backup_id)

    assert manifest.table_names == tables
    assert manifest.uploads is None
    assert [s.name for s in manifest.sequences] == [
        "public.ingredients_id_seq",
        "public.ingredients_legacy_no_seq",
    ]
    stored = {obj.key for obj in ctx.archives.list(keys.backup_prefix(backup_id))}
    tables_and_schema = {t.object for t in manifest.tables} | {keys.schema_key(backup_id)}
    assert stored == tables_and_schema | {keys.manifest_key(backup_id)}
    assert (await backup_row(ctx, backup_id)).tables_included == tables


@pytest.mark.parametrize("backup_type", ["full", "scheduled"])
async def test_export_of_an_empty_database_is_a_valid_backup(
    pipeline_context: PipelineContext, target: asyncpg.Connection, backup_type: str
) -> None:
    ctx = pipeline_context
    ctx.uploads.delete_prefix("")
    backup_id = await create_backup_row(ctx, target, backup_type)

    manifest = await run_export(ctx, backup_id)

    assert manifest.tables == [] and manifest.uploads is not None
    assert manifest.uploads.files == 0 and manifest.backup_type == backup_type
    assert (await backup_row(ctx, backup_id)).status == "completed"


async def test_lifeboats_own_tables_are_never_exported_when_they_share_the_database(
    pipeline_context: PipelineContext, settings: Settings
) -> None:
    own = await asyncpg.connect(settings.database_url)
    await own.execute("CREATE SCHEMA meal_app; CREATE TABLE meal_app.plans (id serial)")
    try:
        shared = settings.model_copy(update={"target_database_url": settings.database_url})
        ctx = replace(pipeline_context, settings=shared)
        backup_id = await create_backup_row(ctx, own, "full")

        manifest = await run_export(ctx, backup_id)
    finally:
        await own.execute("DROP SCHEMA meal_app CASCADE")
        await own.close()

    assert manifest.table_names == ["meal_app.plans"]
    assert [s.name for s in manifest.sequences] == ["meal_app.plans_id_seq"]
