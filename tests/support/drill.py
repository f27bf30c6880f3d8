"""Drill tests: a copy of the target made with PostgreSQL's own tools, to read back from."""

import asyncio
import shlex
import subprocess
import uuid

import asyncpg

from app.archive.manifest import Manifest
from app.archive.sealing import seal
from app.archive.writer import ArchiveObjectWriter
from app.auth import service as auth_service
from app.db.drill_models import Verification
from app.db.engine import transaction
from app.db.urls import with_database
from app.drills.service import request_drill
from app.pgtools import find_program
from app.pipelines.context import PipelineContext
from app.pipelines.drill.scratch import connect_server, list_scratch
from app.settings import Settings, get_settings
from app.storage.client import ObjectStore
from app.storage.keys import manifest_key
from tests.conftest import ADMIN_URL, drop_database


async def copy_target(target_url: str, name: str) -> str:
    """A new database `name` holding what pg_dump | pg_restore makes of the target; its URL.

    For tests of one drill step (reading back, sequences) without Lifeboat's restore:
    pg_restore's COPY loads each table in the order pg_dump read it, the export's order.
    """
    url = with_database(target_url, name)
    await drop_database(url)
    admin = await asyncpg.connect(ADMIN_URL)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    dump = find_program("pg_dump", 0).path
    restore = find_program("pg_restore", 0).path
    command = f"{dump} -Fc {shlex.quote(target_url)} | {restore} -d {shlex.quote(url)}"
    await asyncio.to_thread(subprocess.run, command, shell=True, check=True)
    return url


async def request(ctx: PipelineContext, backup_id: str) -> str:
    """A committed running drill of the backup, as verifyBackup records it; its id."""
    async with transaction(ctx.sessions) as session:
        admin = await auth_service.ensure_admin(session, "driller@test.local")
        drill = await request_drill(session, backup_id, admin.id, ctx.settings.keyring)
    return str(drill.verification.id)


async def verification(ctx: PipelineContext, verification_id: str) -> Verification:
    async with ctx.sessions() as session:
        row = await session.get(Verification, uuid.UUID(verification_id))
    assert row is not None
    return row


async def scratch_left(settings: Settings) -> list[str]:
    """Scratch databases of this test run still on the drill server."""
    conn = await connect_server(settings)
    try:
        return await list_scratch(conn, settings)
    finally:
        await conn.close()


def rewrite_table(archives: ObjectStore, manifest: Manifest, name: str, data: bytes) -> None:
    """Replace a table's archived rows by `data`, with a manifest that vouches for them, as a
    backup written from damaged rows would be (every checksum agrees)."""
    entry = next(table for table in manifest.tables if table.name == name)
    writer = ArchiveObjectWriter(
        archives, entry.object, part_size=5 << 20, level=1, data_key=manifest.data_key
    )
    writer.write(data)
    written = writer.close()
    entry.raw_bytes, entry.stored_bytes = written.raw_bytes, written.stored_bytes
    entry.sha256, entry.stream_sha256 = written.sha256, written.raw_sha256
    entry.rows = data.count(b"\n")
    store_manifest(archives, manifest)


def store_manifest(archives: ObjectStore, manifest: Manifest) -> None:
    """Put a changed manifest in place of the backup's, signed again (as if written so)."""
    body = seal(manifest, get_settings().keyring, manifest.data_key)
    archives.put_bytes(manifest_key(manifest.backup_id), body)
