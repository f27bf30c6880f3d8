"""Schema step: the whole database's schema, in the export's own snapshot, by pg_dump.

`pg_dump --schema-only --format=custom --snapshot=<exported>` of every schema but `lifeboat`,
with owners and privileges (the restore decides what to apply), streamed from pg_dump's stdout
through the same ArchiveObjectWriter as the tables. pg_dump runs while the export's transaction
is open (an exported snapshot lives only as long as it), before the tables are copied: a
failure costs seconds, not a whole export, and pg_dump takes its table locks early.

pg_dump locks every table it dumps. A schema change waiting for the export's own locks makes
pg_dump's lock wait behind it, a wait PostgreSQL cannot see as a deadlock (the export waits
for pg_dump outside the server): `--lock-wait-timeout` ends it, and the export retries with a
new snapshot once the change went through (SchemaDumpFailed.retryable).
"""

import asyncio
import json
import logging
import os
import subprocess
import tempfile
from collections.abc import Callable
from typing import IO

import asyncpg

from app.archive.manifest import DatabaseEntry, SchemaEntry
from app.archive.writer import ArchiveObjectWriter
from app.pgtools import find_program, libpq_target
from app.pipelines.export.errors import SchemaDumpFailed
from app.settings import Settings

logger = logging.getLogger("lifeboat.export")

EXCLUDED_SCHEMA = "lifeboat"  # Lifeboat's own tables never travel with the target's
READ_BYTES = 256 * 1024
STDERR_BYTES = 4096  # pg_dump's last words are kept for the error message, no more
_PROVIDERS = {"c": "libc", "i": "icu", "b": "builtin"}


async def dump_schema(
    settings: Settings,
    snapshot_id: str,
    server_major: int,
    writer: ArchiveObjectWriter,
    on_bytes: Callable[[int], None],
) -> SchemaEntry:
    """Run pg_dump in the snapshot `snapshot_id` into `writer`; aborts the writer on failure."""
    try:
        program = await asyncio.to_thread(
            find_program, "pg_dump", server_major, settings.pg_bin_dir
        )
        await _run_pg_dump(settings, program.path, snapshot_id, writer, on_bytes)
        written = await asyncio.to_thread(writer.close)
    except BaseException:
        await asyncio.to_thread(writer.abort)
        raise
    return SchemaEntry(
        object=written.key,
        raw_bytes=written.raw_bytes,
        stored_bytes=written.stored_bytes,
        sha256=written.sha256,
        pg_dump_version=program.version,
    )


async def _run_pg_dump(
    settings: Settings,
    pg_dump: str,
    snapshot_id: str,
    writer: ArchiveObjectWriter,
    on_bytes: Callable[[int], None],
) -> None:
    dbname, secrets = libpq_target(settings.target_database_url)
    lock_wait_ms = max(1, round(settings.schema_lock_timeout_seconds * 1000))
    command = [
        pg_dump,
        "--schema-only",
        "--format=custom",
        f"--snapshot={snapshot_id}",
        f"--exclude-schema={EXCLUDED_SCHEMA}",
        f"--lock-wait-timeout={lock_wait_ms}",
        "--no-password",
        f"--dbname={dbname}",
    ]
    env = {"PGCONNECT_TIMEOUT": "30", **os.environ, **secrets}
    # stderr to a file, not a pipe: nothing has to drain it while stdout is read.
    with tempfile.TemporaryFile() as stderr:
        process = await _start(command, stderr, env)
        try:
            # One thread reads pg_dump's stdout into the writer until it ends (measured: an
            # asyncio subprocess, its watcher thread and a thread hop per chunk kept ~10 MB
            # more resident in a worker from one backup to the next).
            code = await asyncio.to_thread(_pump, process, writer, on_bytes)
        finally:
            if process.poll() is None:  # failed or cancelled: pg_dump must not outlive us
                await _kill(process)
        said = _tail(stderr, STDERR_BYTES)
    if code != 0:
        raise SchemaDumpFailed(
            f"pg_dump could not archive the schema (exit code {code}): {said or 'no message'}",
            retryable=_gave_up_on_a_lock(said),
        )
    if said:
        logger.warning("pg_dump: %s", said)


async def _start(
    command: list[str], stderr: IO[bytes], env: dict[str, str]
) -> "subprocess.Popen[bytes]":
    """Start pg_dump in a thread (fork and exec would hold up the event loop).

    A cancellation that comes while the thread starts it must not leave pg_dump running with
    nobody to stop it: the thread finishes, and what it started is killed and reaped.
    """
    starting = asyncio.ensure_future(
        asyncio.to_thread(
            subprocess.Popen,
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=stderr,
            env=env,
        )
    )
    try:
        return await asyncio.shield(starting)
    except asyncio.CancelledError:
        started = await starting
        await _kill(started)
        if started.stdout is not None:
            started.stdout.close()
        raise


async def _kill(process: "subprocess.Popen[bytes]") -> None:
    """Kill pg_dump and reap it, so it is neither left running nor a zombie."""
    process.kill()
    await asyncio.to_thread(process.wait)


def _pump(
    process: "subprocess.Popen[bytes]", writer: ArchiveObjectWriter, on_bytes: Callable[[int], None]
) -> int:
    """Copy the process's stdout into `writer` until it closes; returns its exit code."""
    assert process.stdout is not None
    with process.stdout:
        while chunk := process.stdout.read(READ_BYTES):
            writer.write(chunk)
            on_bytes(len(chunk))
    return process.wait()


def _tail(file: IO[bytes], limit: int) -> str:
    """The last `limit` bytes written to `file`, as one line."""
    size = file.seek(0, os.SEEK_END)
    file.seek(max(0, size - limit))
    return file.read().decode(errors="replace").strip().replace("\n", " / ")


def _gave_up_on_a_lock(said: str) -> bool:
    # pg_dump 15 times its LOCK TABLE out with statement_timeout; other versions lock_timeout.
    return "LOCK TABLE" in said and ("timeout" in said or "could not obtain lock" in said)


async def read_database(conn: asyncpg.Connection) -> DatabaseEntry:
    """The connected database's encoding, locale and own settings (ALTER DATABASE … SET)."""
    # to_jsonb(d): the locale columns differ by version (datlocprovider since 15,
    # daticulocale renamed datlocale in 17), and a missing column must not fail the export.
    row = await conn.fetchrow(
        """
        SELECT to_jsonb(d) AS db, pg_encoding_to_char(d.encoding) AS encoding,
               coalesce((SELECT s.setconfig FROM pg_db_role_setting AS s
                          WHERE s.setdatabase = d.oid AND s.setrole = 0), '{}') AS settings
          FROM pg_database AS d WHERE d.datname = current_database()
        """
    )
    db = json.loads(row["db"])
    return DatabaseEntry(
        name=db["datname"],
        encoding=row["encoding"],
        collate=db["datcollate"],
        ctype=db["datctype"],
        locale_provider=_PROVIDERS.get(db.get("datlocprovider", "c"), "libc"),
        # PostgreSQL 17 keeps the ICU (or builtin provider's) locale in datlocale.
        icu_locale=db.get("datlocale") or db.get("daticulocale"),
        settings=list(row["settings"]),
    )
