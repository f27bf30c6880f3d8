"""Every archive carries the whole database's schema, dumped by pg_dump in the export's snapshot."""

import asyncio
import hashlib
import os
import subprocess
import threading
import time
from dataclasses import replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest

from app.archive.manifest import Manifest
from app.archive.reader import read_object
from app.pgtools import find_program
from app.pipelines.context import PipelineContext
from app.pipelines.export.pipeline import ExportFailed, run_export
from app.settings import Settings
from app.storage import keys
from app.storage.client import ObjectStore
from tests.support import pg_dump
from tests.support.fixture_schema import create_fixture_schema
from tests.support.pipeline import backup_row, create_backup_row
from tests.support.worker import wait_for


def with_settings(ctx: PipelineContext, **changes: object) -> PipelineContext:
    return replace(ctx, settings=ctx.settings.model_copy(update=changes))


async def pg_restore(archives: ObjectStore, manifest: Manifest, folder: Path, *args: str) -> str:
    """Run pg_restore `args` on the archived dump (decrypted, decompressed, checksum verified)."""
    schema = manifest.schema
    assert schema is not None
    dump = folder / "schema.dump"

    def run() -> str:
        chunks = read_object(
            archives,
            schema.object,
            sha256=schema.sha256,
            stored_bytes=schema.stored_bytes,
            data_key=manifest.data_key,
        )
        dump.write_bytes(b"".join(chunks))
        command = [find_program("pg_restore", 0).path, *args, str(dump)]
        return subprocess.run(command, capture_output=True, text=True, check=True).stdout

    return await asyncio.to_thread(run)


async def test_archive_holds_the_whole_schema_but_lifeboats_listed_with_size_and_checksum(
    pipeline_context: PipelineContext, target: asyncpg.Connection, tmp_path: Path
) -> None:
    ctx = pipeline_context
    await create_fixture_schema(target)
    await target.execute("CREATE SCHEMA lifeboat; CREATE TABLE lifeboat.own_records (id int)")
    await target.execute("GRANT SELECT ON public.recipes TO PUBLIC")
    backup_id = await create_backup_row(ctx, target, "partial", ["public.ingredients"])

    manifest = await run_export(ctx, backup_id)

    schema = manifest.schema
    assert schema is not None and schema.object == keys.schema_key(backup_id)
    assert schema.format == "pg_dump-custom" and schema.pg_dump_version.startswith("15")
    stored = ctx.archives.get_bytes(schema.object)
    assert (len(stored), hashlib.sha256(stored).hexdigest()) == (schema.stored_bytes, schema.sha256)
    assert manifest.objects()[schema.object] == ("the schema", schema.stored_bytes)
    listing = await pg_restore(ctx.archives, manifest, tmp_path, "--list")
    for entry in [
        "TABLE public kitchen_sink",  # not in this partial backup: the schema is the whole one
        "TABLE public ingredients",
        "TABLE billing invoices",
        "TYPE public mood",
        "EXTENSION - pgcrypto",
        "POLICY public private_notes",
        "ACL public TABLE recipes",  # privileges travel too: the restore decides what to apply
    ]:
        assert entry in listing, entry
    assert "lifeboat" not in listing
    assert "TABLE DATA" not in listing


async def test_schema_is_dumped_in_the_snapshot_of_the_rows(
    pipeline_context: PipelineContext, target: asyncpg.Connection, tmp_path: Path
) -> None:
    """Changes committed after the snapshot, before pg_dump starts, are in neither."""
    await create_fixture_schema(target)
    rows_before = await target.fetchval("SELECT count(*) FROM public.ingredients")
    folder = pg_dump.after_sql(
        tmp_path / "bin",
        pipeline_context.settings.target_database_url,
        "CREATE TABLE public.created_after_snapshot (x int);"
        " ALTER TABLE public.households ADD COLUMN added_after_snapshot int;"
        " INSERT INTO public.ingredients (name, grams, kcal_per_100g) VALUES ('late', 1, 1);",
    )
    ctx = with_settings(pipeline_context, pg_bin_dir=str(folder))
    backup_id = await create_backup_row(ctx, target, "partial", ["public.ingredients"])

    manifest = await run_export(ctx, backup_id)

    # The stand-in did run: the database has all three changes now.
    assert await target.fetchval("SELECT to_regclass('public.created_after_snapshot')")
    assert await target.fetchval("SELECT count(*) FROM public.ingredients") == rows_before + 1
    assert manifest.tables[0].rows == rows_before
    assert manifest.schema is not None
    sql = await pg_restore(ctx.archives, manifest, tmp_path, "--file=-")
    assert "CREATE TABLE public.households" in sql
    assert "created_after_snapshot" not in sql
    assert "added_after_snapshot" not in sql


async def test_a_schema_change_waiting_for_the_exports_locks_does_not_hang_it(
    pipeline_context: PipelineContext, target: asyncpg.Connection, tmp_path: Path
) -> None:
    """The ALTER waits for the export; pg_dump's lock would wait for the ALTER. pg_dump gives
    up after the lock timeout, the export lets the ALTER through and starts again."""
    await create_fixture_schema(target)
    ddl = "ALTER TABLE public.ingredients ADD COLUMN late_column int"
    folder = pg_dump.behind_waiting_ddl(
        tmp_path / "bin", pipeline_context.settings.target_database_url, ddl
    )
    ctx = with_settings(pipeline_context, pg_bin_dir=str(folder), schema_lock_timeout_seconds=1)
    backup_id = await create_backup_row(ctx, target, "partial", ["public.ingredients"])

    manifest = await asyncio.wait_for(run_export(ctx, backup_id), timeout=120)

    assert "late_column" in [column.name for column in manifest.tables[0].columns]
    assert (await backup_row(ctx, backup_id)).status == "completed"


async def test_a_failing_pg_dump_fails_the_backup_with_its_message_and_nothing_stored(
    pipeline_context: PipelineContext, target: asyncpg.Connection, tmp_path: Path
) -> None:
    await create_fixture_schema(target)
    message = "pg_dump: error: query failed: ERROR:  out of shared memory"
    ctx = with_settings(
        pipeline_context, pg_bin_dir=str(pg_dump.failing(tmp_path / "bin", message))
    )
    backup_id = await create_backup_row(ctx, target, "full")

    with pytest.raises(ExportFailed):
        await run_export(ctx, backup_id)

    row = await backup_row(ctx, backup_id)
    assert row.status == "failed" and row.file_size_bytes is None
    assert row.error_message is not None
    assert "pg_dump could not archive the schema (exit code 1)" in row.error_message
    assert "out of shared memory" in row.error_message
    assert ctx.archives.list(keys.backup_prefix(backup_id)) == []


async def test_a_cancelled_export_kills_its_pg_dump_and_keeps_nothing(
    pipeline_context: PipelineContext, target: asyncpg.Connection, tmp_path: Path
) -> None:
    pid_file = tmp_path / "pg_dump.pid"
    folder = pg_dump.hanging(tmp_path / "bin", pid_file)
    ctx = with_settings(pipeline_context, pg_bin_dir=str(folder))
    backup_id = await create_backup_row(ctx, target, "full")
    export = asyncio.create_task(run_export(ctx, backup_id))
    await wait_for(pid_file.exists, timeout=60, message="pg_dump to start")
    pid = int(pid_file.read_text())

    export.cancel()  # as a worker shutting down does
    with pytest.raises(asyncio.CancelledError):
        await export

    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)  # killed and reaped, not left running or a zombie
    row = await backup_row(ctx, backup_id)
    assert row.status == "failed" and row.error_message is not None
    assert "cancelled during the schema step" in row.error_message
    assert ctx.archives.list(keys.backup_prefix(backup_id)) == []


async def test_an_export_cancelled_while_its_pg_dump_is_starting_leaves_no_pg_dump_behind(
    pipeline_context: PipelineContext,
    target: asyncpg.Connection,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # pg_dump starts in a thread; a worker shutting down may cancel the export right then
    # (CI once did: the export's task was cancelled before it took the started process in,
    # and the process ran on). Starting pg_dump is slowed here so that the cancellation
    # lands inside that window every time.
    folder = pg_dump.hanging(tmp_path / "bin", tmp_path / "pg_dump.pid")
    ctx = with_settings(pipeline_context, pg_bin_dir=str(folder))
    starting = threading.Event()
    started: list[subprocess.Popen[bytes]] = []
    real_popen = subprocess.Popen

    def slow_start(command: list[str], **options: Any) -> Any:
        if "--schema-only" not in command:  # `pg_dump --version` and the like
            return real_popen(command, **options)
        starting.set()
        time.sleep(0.5)
        process = real_popen(command, **options)
        started.append(process)
        return process

    monkeypatch.setattr(subprocess, "Popen", slow_start)
    backup_id = await create_backup_row(ctx, target, "full")
    export = asyncio.create_task(run_export(ctx, backup_id))
    assert await asyncio.to_thread(starting.wait, 60), "pg_dump never started"

    export.cancel()
    with pytest.raises(asyncio.CancelledError):
        await export

    assert len(started) == 1
    assert started[0].returncode is not None  # killed and reaped
    with pytest.raises(ProcessLookupError):
        os.kill(started[0].pid, 0)
    row = await backup_row(ctx, backup_id)
    assert row.status == "failed" and row.error_message is not None
    assert "cancelled during the schema step" in row.error_message
    assert ctx.archives.list(keys.backup_prefix(backup_id)) == []


@pytest.mark.parametrize("version", [None, "14.9"])
async def test_a_missing_or_older_pg_dump_fails_the_backup_saying_how_to_install_it(
    pipeline_context: PipelineContext, target: asyncpg.Connection, tmp_path: Path, version: str
) -> None:
    folder = tmp_path / "bin"
    folder.mkdir()
    if version:
        pg_dump.of_version(folder, version)
    ctx = with_settings(pipeline_context, pg_bin_dir=str(folder))
    backup_id = await create_backup_row(ctx, target, "full")

    with pytest.raises(ExportFailed, match="apt-get install postgresql-client-15"):
        await run_export(ctx, backup_id)

    assert (await backup_row(ctx, backup_id)).status == "failed"
    assert ctx.archives.list(keys.backup_prefix(backup_id)) == []


async def test_manifest_records_the_databases_encoding_locale_and_own_settings(
    pipeline_context: PipelineContext, target: asyncpg.Connection, settings: Settings
) -> None:
    name = settings.target_database_url.rsplit("/", 1)[1]
    await target.execute(f"ALTER DATABASE \"{name}\" SET work_mem = '7MB'")
    await target.execute(f'ALTER DATABASE "{name}" SET search_path = app, public')
    # A role's setting in this database belongs to the role, not to the database.
    await target.execute(f'ALTER ROLE CURRENT_USER IN DATABASE "{name}" SET jit = off')
    try:
        backup_id = await create_backup_row(pipeline_context, target, "full")
        manifest = await run_export(pipeline_context, backup_id)
    finally:
        await target.execute(f'ALTER DATABASE "{name}" RESET ALL')
        await target.execute(f'ALTER ROLE CURRENT_USER IN DATABASE "{name}" RESET ALL')

    expected = await target.fetchrow(
        "SELECT pg_encoding_to_char(encoding) AS encoding, datcollate, datctype,"
        " datlocprovider::text FROM pg_database WHERE datname = current_database()"
    )
    database = manifest.database
    assert database is not None and database.name == name
    assert (database.encoding, database.collate, database.ctype) == (
        expected["encoding"],
        expected["datcollate"],
        expected["datctype"],
    )
    assert database.locale_provider == {"c": "libc", "i": "icu"}[expected["datlocprovider"]]
    assert sorted(database.settings) == ["search_path=app, public", "work_mem=7MB"]


async def test_a_role_that_cannot_read_every_table_is_told_pg_dump_needs_them_all(
    pipeline_context: PipelineContext, target: asyncpg.Connection
) -> None:
    role = f"lbtest_{os.getpid()}_one_table"
    await target.execute(f"DROP ROLE IF EXISTS {role}; CREATE ROLE {role} LOGIN")
    try:
        await target.execute(
            f"""
            GRANT USAGE ON SCHEMA public TO {role};
            CREATE TABLE public.mine (id int); ALTER TABLE public.mine OWNER TO {role};
            CREATE TABLE public.not_mine (id int);
            """
        )
        parts = urlsplit(pipeline_context.settings.target_database_url)
        url = urlunsplit(parts._replace(netloc=f"{role}@{parts.hostname}:{parts.port}"))
        ctx = with_settings(pipeline_context, target_database_url=url)
        backup_id = await create_backup_row(ctx, target, "partial", ["public.mine"])

        with pytest.raises(ExportFailed) as failed:
            await run_export(ctx, backup_id)
    finally:
        await target.execute(f"DROP OWNED BY {role} CASCADE; DROP ROLE {role}")

    assert "permission denied for table not_mine" in failed.value.message
    assert f"GRANT SELECT on every table to {role}" in failed.value.message
    assert ctx.archives.list(keys.backup_prefix(backup_id)) == []
