"""Encryption at rest against the real services: nothing readable in storage, exact restores,
every tampering fails the restore with the database unchanged, and a missing key refuses it
before anything changes."""

import hashlib
from collections.abc import AsyncIterator
from dataclasses import replace

import asyncpg
import httpx
import pytest
import zstandard

from app.crypto.keyring import generate_key
from app.main import create_app
from app.pipelines.context import PipelineContext
from app.pipelines.drill.loader import new_database_loader
from app.pipelines.drill.pipeline import run_drill
from app.pipelines.restore.pipeline import run_restore
from app.restores.confirmation import confirmation_code
from app.settings import Settings
from app.storage import keys
from app.storage.client import ObjectStore
from tests.conftest import GraphQLClient, error_code
from tests.pipelines.restore.test_failures import run_and_fail, unchecked_restore
from tests.restores.support import completed_backup, database_state, request_restore, restore_row
from tests.support.archive import copy_bytes, stored_manifest
from tests.support.automation import RecordingJobs
from tests.support.drill import request as drill_request
from tests.support.fixture_schema import create_fixture_schema
from tests.support.pipeline import backup_row

MARKER = "lifeboat-marker-91c2e7f0"


def stored_objects(archives: ObjectStore, backup_id: str) -> dict[str, bytes]:
    prefix = keys.backup_prefix(backup_id)
    return {obj.key: archives.get_bytes(obj.key) for obj in archives.list(prefix)}


def decompressed_or_nothing(data: bytes) -> bytes:
    """What zstd makes of the bytes, if anything (ciphertext is not a zstd frame)."""
    try:
        return zstandard.ZstdDecompressor().decompressobj().decompress(data)
    except zstandard.ZstdError:
        return b""


async def test_a_marker_in_a_table_and_an_upload_is_in_no_stored_object_raw_or_decompressed(
    pipeline_context: PipelineContext, target: asyncpg.Connection, uploads: ObjectStore
) -> None:
    ctx = pipeline_context
    await target.execute("CREATE TABLE notes (id int PRIMARY KEY, body text)")
    await target.execute(
        "INSERT INTO notes SELECT g, $1 || ' row ' || g FROM generate_series(1, 5000) g", MARKER
    )
    uploads.put_bytes(f"private/{MARKER}.txt", f"upload holding {MARKER}".encode(), "text/plain")
    try:
        backup_id = await completed_backup(ctx, target, "full")
    finally:
        uploads.client.remove_object(uploads.bucket, f"private/{MARKER}.txt")

    manifest = stored_manifest(ctx.archives, backup_id)
    assert manifest.encryption is not None
    assert manifest.encryption.key_id == ctx.settings.keyring.current_id
    objects = stored_objects(ctx.archives, backup_id)
    assert set(objects) == {*manifest.objects(), keys.manifest_key(backup_id)}
    for key, data in objects.items():
        assert MARKER.encode() not in data, key
        assert MARKER.encode() not in decompressed_or_nothing(data), key
    # The marker was archived all the same: the test would see it if it were stored plainly.
    (notes,) = manifest.tables
    plain = await copy_bytes(ctx.archives, notes, manifest.data_key)
    assert plain.count(MARKER.encode()) == 5000
    assert notes.stream_sha256 != hashlib.sha256(plain).hexdigest()


async def test_an_encrypted_backup_restores_exactly(
    pipeline_context: PipelineContext, target: asyncpg.Connection
) -> None:
    ctx = pipeline_context
    await create_fixture_schema(target)
    before = await database_state(target)
    backup_id = await completed_backup(ctx, target, "full")
    assert stored_manifest(ctx.archives, backup_id).encryption is not None
    recorded = (await backup_row(ctx, backup_id)).metadata_ or {}
    assert recorded["encryption"]["keyId"] == ctx.settings.keyring.current_id
    await target.execute("UPDATE ingredients SET name = name || ' (changed)'")
    await target.execute("DELETE FROM kitchen_sink")

    await run_restore(ctx, await request_restore(ctx, backup_id))

    assert await database_state(target) == before


async def two_identical_tables_backed_up(
    ctx: PipelineContext, target: asyncpg.Connection
) -> tuple[str, dict]:
    """A backup of two tables whose objects have the same size (same rows, same key sizes)."""
    for name in ("left_side", "right_side"):
        await target.execute(f"CREATE TABLE {name} (id int, note text)")
        await target.execute(
            f"INSERT INTO {name} SELECT g, md5(g::text) FROM generate_series(1, 20000) g"
        )
    backup_id = await completed_backup(ctx, target, "partial", ["left_side", "right_side"])
    return backup_id, await database_state(target)


async def test_a_flipped_ciphertext_byte_fails_the_restore_and_changes_nothing(
    pipeline_context: PipelineContext, target: asyncpg.Connection
) -> None:
    ctx = pipeline_context
    backup_id, _ = await two_identical_tables_backed_up(ctx, target)
    entry = stored_manifest(ctx.archives, backup_id).tables[1]
    data = bytearray(ctx.archives.get_bytes(entry.object))
    data[len(data) // 2] ^= 0x40
    ctx.archives.put_bytes(entry.object, bytes(data), "application/octet-stream")
    await target.execute("DELETE FROM left_side WHERE id > 100")
    before = await database_state(target)

    message = await run_and_fail(ctx, await unchecked_restore(ctx, backup_id))

    assert "fails decryption" in message and entry.object in message
    assert await database_state(target) == before


async def test_a_truncated_object_fails_the_restore_and_changes_nothing(
    pipeline_context: PipelineContext, target: asyncpg.Connection
) -> None:
    ctx = pipeline_context
    backup_id, before = await two_identical_tables_backed_up(ctx, target)
    entry = stored_manifest(ctx.archives, backup_id).tables[0]
    data = ctx.archives.get_bytes(entry.object)
    ctx.archives.put_bytes(entry.object, data[: len(data) - 1000], "application/octet-stream")

    message = await run_and_fail(ctx, await unchecked_restore(ctx, backup_id))

    assert "damaged" in message and entry.object in message
    assert await database_state(target) == before


async def test_two_swapped_table_objects_fail_the_restore_and_change_nothing(
    pipeline_context: PipelineContext, target: asyncpg.Connection
) -> None:
    ctx = pipeline_context
    backup_id, before = await two_identical_tables_backed_up(ctx, target)
    left, right = stored_manifest(ctx.archives, backup_id).tables
    assert left.stored_bytes == right.stored_bytes  # sizes cannot give the swap away
    left_data, right_data = (ctx.archives.get_bytes(e.object) for e in (left, right))
    ctx.archives.put_bytes(left.object, right_data, "application/octet-stream")
    ctx.archives.put_bytes(right.object, left_data, "application/octet-stream")

    message = await run_and_fail(ctx, await unchecked_restore(ctx, backup_id))

    assert "fails decryption" in message and left.object in message
    assert await database_state(target) == before


async def test_a_plain_archive_put_in_place_of_an_encrypted_one_is_refused(
    pipeline_context: PipelineContext, target: asyncpg.Connection
) -> None:
    """A manifest without encryption authenticates nothing: Lifeboat's record of the backup
    says it was encrypted, so a plain one in its place (objects and all) is not believed."""
    ctx = pipeline_context
    await target.execute("CREATE TABLE meals (id int, note text)")
    await target.execute("INSERT INTO meals VALUES (1, 'real')")
    backup_id = await completed_backup(ctx, target, "partial", ["meals"])
    await target.execute("UPDATE meals SET note = 'forged'")
    plain = replace(ctx, settings=Settings(encryption="off"))
    forged_id = await completed_backup(plain, target, "partial", ["meals"])
    await target.execute("UPDATE meals SET note = 'now'")
    forged = stored_objects(ctx.archives, forged_id)
    body = forged.pop(keys.manifest_key(forged_id)).replace(forged_id.encode(), backup_id.encode())
    for key, data in forged.items():
        ctx.archives.put_bytes(key.replace(forged_id, backup_id), data, "application/octet-stream")
    ctx.archives.put_bytes(keys.manifest_key(backup_id), body)
    before = await database_state(target)

    message = await run_and_fail(ctx, await unchecked_restore(ctx, backup_id))

    assert "was written encrypted" in message and "replaced or altered" in message
    assert await database_state(target) == before


@pytest.fixture
async def other_key_client(settings: Settings, databases: None) -> AsyncIterator[httpx.AsyncClient]:
    """The API configured with another key, and not the one the test run's backups use."""
    other = Settings(encryption_key=generate_key())
    application = create_app(other, jobs=RecordingJobs())
    async with application.router.lifespan_context(application):
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://other.test") as http:
            yield http


RESTORE = """
mutation ($input: RestoreBackupInput!) { restoreBackup(input: $input) { id status } }
"""


async def test_a_restore_whose_key_is_not_configured_is_refused_naming_it_before_anything(
    pipeline_context: PipelineContext,
    target: asyncpg.Connection,
    other_key_client: httpx.AsyncClient,
    gql: GraphQLClient,
) -> None:
    ctx = pipeline_context
    await target.execute("CREATE TABLE meals (id int)")
    await target.execute("INSERT INTO meals VALUES (1), (2)")
    backup_id = await completed_backup(ctx, target, "partial", ["meals"])
    await target.execute("INSERT INTO meals VALUES (3)")
    key_id = ctx.settings.keyring.current_id or "?"
    code = confirmation_code(ctx.settings.secret_key.get_secret_value(), backup_id)
    rows_before = await target.fetchval("SELECT count(*) FROM meals")

    other_api = GraphQLClient(other_key_client, gql.token)
    body = await other_api(RESTORE, {"input": {"backupId": backup_id, "confirmationCode": code}})

    assert error_code(body) == "PRECONDITION_FAILED"
    assert key_id in body["errors"][0]["message"]
    assert await target.fetchval("SELECT count(*) FROM meals") == rows_before == 3

    # The worker refuses it the same way, should it be asked (nothing checked beforehand).
    other_ctx = replace(ctx, settings=Settings(encryption_key=generate_key()))
    restore_id = await unchecked_restore(other_ctx, backup_id)
    message = await run_and_fail(other_ctx, restore_id)
    assert key_id in message and "not configured" in message
    assert (await restore_row(ctx, restore_id)).status == "failed"
    assert await target.fetchval("SELECT count(*) FROM meals") == 3


async def test_a_drill_of_an_encrypted_backup_passes_and_without_its_key_cannot_run(
    pipeline_context: PipelineContext, target: asyncpg.Connection
) -> None:
    ctx = pipeline_context
    await create_fixture_schema(target)
    backup_id = await completed_backup(ctx, target, "full")

    passed = await run_drill(ctx, await drill_request(ctx, backup_id), new_database_loader(ctx))
    assert (passed.status, passed.error) == ("passed", None)

    # The key is there when the drill is asked for, gone when a worker runs it.
    asked = await drill_request(ctx, backup_id)
    other = replace(ctx, settings=Settings(encryption_key=generate_key()))
    refused = await run_drill(other, asked, new_database_loader(other))
    key_id = ctx.settings.keyring.current_id or "?"
    # ERROR, not FAILED: the backup is sound, the drill could not open it.
    assert refused.status == "error" and refused.error is not None
    assert key_id in refused.error and "not configured" in refused.error
