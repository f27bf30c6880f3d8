"""Rotation: a backup made under key A restores with B current and A old; `keys rewrap` moves
every backup and webhook secret under B; with A dropped everything still opens."""

import asyncio
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy import select

from app.archive.sealing import open_manifest
from app.crypto.errors import KeyNotConfigured
from app.crypto.keyring import generate_key, key_id, parse_key
from app.db.audit_models import AuditEvent
from app.db.engine import transaction
from app.keys.service import rewrap_all
from app.notifications import repository as webhook_repository
from app.notifications import secrets as webhook_secrets
from app.notifications import service as notifications
from app.pipelines.context import PipelineContext
from app.pipelines.restore.pipeline import run_restore
from app.settings import Settings
from app.storage.client import ObjectStore, create_client
from app.storage.keys import manifest_key
from tests.conftest import drop_bucket
from tests.pipelines.restore.test_failures import run_and_fail, unchecked_restore
from tests.restores.support import completed_backup, request_restore
from tests.support.pipeline import backup_row

LIFEBOAT = Path(sys.executable).parent / "lifeboat"


@pytest.fixture
def own_bucket(settings: Settings) -> Iterator[ObjectStore]:
    """A bucket of the test's own: rewrapping touches every backup in the bucket."""
    store = ObjectStore(create_client(settings), f"{settings.s3_bucket}-rotation")
    store.ensure_bucket()
    yield store
    drop_bucket(store)
    store.close()  # its own client: pooled connections must not wait for the GC


def with_keys(ctx: PipelineContext, current: str, old: str = "") -> PipelineContext:
    keyring = Settings(encryption_key=current, encryption_old_keys=old)
    return replace(ctx, settings=keyring)


async def webhook_secret(ctx: PipelineContext) -> str:
    async with transaction(ctx.sessions) as session:
        (hook,) = await webhook_repository.list_webhooks(session)
        return webhook_secrets.reveal(ctx.settings.keyring, hook)


async def test_a_backup_restores_through_a_rotation_a_rewrap_and_the_old_key_dropped(
    automation: PipelineContext, target: asyncpg.Connection, own_bucket: ObjectStore
) -> None:
    key_a, key_b = generate_key(), generate_key()
    under_a = replace(with_keys(automation, key_a), archives=own_bucket)
    await target.execute("CREATE TABLE meals (id int)")
    await target.execute("INSERT INTO meals VALUES (1), (2)")
    backup_id = await completed_backup(under_a, target, "partial", ["meals"])
    async with transaction(under_a.sessions) as session:
        created = await notifications.create_webhook(
            session, under_a.settings.keyring, "http://127.0.0.1:9/hook"
        )
    key_id_a = under_a.settings.keyring.current_id

    # Rotated: B is current, A only opens. The old backup restores; new ones are under B.
    rotated = with_keys(under_a, key_b, key_a)
    await target.execute("INSERT INTO meals VALUES (3)")
    await run_restore(rotated, await request_restore(rotated, backup_id))
    assert await target.fetchval("SELECT count(*) FROM meals") == 2
    newer_id = await completed_backup(rotated, target, "partial", ["meals"])
    assert _key_of(rotated, newer_id) == rotated.settings.keyring.current_id

    # Without A, before the rewrap, the old backup is refused naming A.
    only_b = with_keys(under_a, key_b)
    message = await run_and_fail(only_b, await unchecked_restore(only_b, backup_id))
    assert key_id_a in message and "not configured" in message

    async with transaction(rotated.sessions) as session:
        report = await rewrap_all(rotated.settings, session, rotated.archives)

    assert report.ok and report.rewrapped == [backup_id]
    # Already under B: the newer backup, and the pre-restore snapshot the restore took.
    assert newer_id in report.already_current and len(report.already_current) == 2
    assert report.webhooks_resealed == 1
    assert _key_of(only_b, backup_id) == only_b.settings.keyring.current_id
    recorded = (await backup_row(only_b, backup_id)).metadata_ or {}
    assert recorded["encryption"]["keyId"] == only_b.settings.keyring.current_id
    # A dropped: the backup restores, the webhook secret opens, and with A alone neither does.
    await target.execute("INSERT INTO meals VALUES (4)")
    await run_restore(only_b, await request_restore(only_b, backup_id))
    assert await target.fetchval("SELECT count(*) FROM meals") == 2
    assert await webhook_secret(only_b) == created.secret
    with pytest.raises(KeyNotConfigured):
        await webhook_secret(under_a)


def _key_of(ctx: PipelineContext, backup_id: str) -> str | None:
    manifest = open_manifest(ctx.archives.get_bytes(manifest_key(backup_id)), ctx.settings.keyring)
    return manifest.encryption.key_id if manifest.encryption else None


def test_rewrap_without_a_current_key_refuses(databases: None) -> None:
    env = {
        **os.environ,
        "LIFEBOAT_ENCRYPTION_KEY": "",
        "LIFEBOAT_ENCRYPTION_OLD_KEYS": generate_key(),
    }
    run = subprocess.run([LIFEBOAT, "keys", "rewrap"], env=env, capture_output=True, text=True)
    assert run.returncode == 1
    assert "no current key to rewrap under" in run.stderr


async def test_rewrap_from_the_command_line_moves_a_backup_to_the_current_key(
    automation: PipelineContext, target: asyncpg.Connection, own_bucket: ObjectStore
) -> None:
    ctx = replace(automation, archives=own_bucket)
    await target.execute("CREATE TABLE meals (id int)")
    backup_id = await completed_backup(ctx, target, "partial", ["meals"])
    old_key = ctx.settings.encryption_key.get_secret_value()
    new_key = generate_key()
    env = {
        **os.environ,
        "LIFEBOAT_S3_BUCKET": own_bucket.bucket,
        "LIFEBOAT_ENCRYPTION_KEY": new_key,
        "LIFEBOAT_ENCRYPTION_OLD_KEYS": old_key,
    }

    run = await asyncio.to_thread(
        subprocess.run, [LIFEBOAT, "keys", "rewrap"], env=env, capture_output=True, text=True
    )

    assert run.returncode == 0, run.stderr
    assert "rewrapped 1 backup(s)" in run.stderr and "can be emptied" in run.stderr
    async with ctx.sessions() as session:
        row = await session.scalar(
            select(AuditEvent)
            .where(AuditEvent.action == "keys.rewrap")
            .order_by(AuditEvent.at.desc())
        )
    assert row is not None and row.outcome == "ok"
    assert row.arguments["rewrapped"] == 1 and row.arguments["keyId"] == key_id(parse_key(new_key))
    assert old_key not in run.stderr + run.stdout and new_key not in run.stderr + run.stdout
    assert (
        _key_of(with_keys(ctx, new_key), backup_id)
        == with_keys(ctx, new_key).settings.keyring.current_id
    )
