"""Webhook secrets are stored sealed under the encryption key, still sign deliveries, and the
migration seals the secrets stored before it."""

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import asyncpg
import dramatiq
import pytest
from alembic import command
from sqlalchemy import select

from app.crypto.errors import KeyNotConfigured
from app.crypto.keyring import KeyRing, generate_key
from app.db.engine import transaction
from app.db.migrate import alembic_config, create_database_if_missing
from app.db.schedule_models import Webhook
from app.db.urls import asyncpg_dsn, with_database
from app.notifications import secrets as webhook_secrets
from app.notifications import service
from app.notifications.signing import verify
from app.pipelines.context import PipelineContext
from app.settings import Settings
from tests.conftest import GraphQLClient, drop_database
from tests.notifications.test_webhooks import CREATE_HOOK, notify_backup, settled
from tests.support.automation import Receiver, add_backup
from tests.support.worker import wait_for


async def stored_row(ctx: PipelineContext, hook_id: str) -> Webhook:
    async with ctx.sessions() as session:
        row = await session.scalar(select(Webhook).where(Webhook.id == hook_id))
    assert row is not None
    return row


async def test_a_webhook_secret_is_stored_sealed_and_still_signs_deliveries(
    automation: PipelineContext,
    receiver: Receiver,
    full_worker: dramatiq.Worker,
    gql: GraphQLClient,
) -> None:
    ctx = automation
    secret = "webhook-secret-marker-7f3a9c"
    created = await gql(
        CREATE_HOOK,
        {"input": {"url": receiver.url, "events": ["backup.completed"], "secret": secret}},
    )
    assert created["data"]["createWebhook"]["secret"] == secret
    hook_id = created["data"]["createWebhook"]["webhook"]["id"]
    row = await stored_row(ctx, hook_id)
    assert row.secret_key_id == ctx.settings.keyring.current_id
    assert secret not in row.secret

    backup_id = await add_backup(ctx, datetime.now(UTC))
    await notify_backup(ctx, backup_id)
    await wait_for(lambda: settled(ctx, backup_id), message="the delivery")
    [delivery] = receiver.received
    assert verify(secret, delivery.body, delivery.headers["X-Lifeboat-Signature"])


async def test_a_secret_whose_key_is_not_configured_does_not_open_and_names_the_key(
    pipeline_context: PipelineContext, settings: Settings
) -> None:
    async with transaction(pipeline_context.sessions) as session:
        created = await service.create_webhook(session, settings.keyring, "http://127.0.0.1:9/x")
    try:
        with pytest.raises(KeyNotConfigured) as caught:
            webhook_secrets.reveal(KeyRing.from_text(generate_key()), created.hook)
        assert caught.value.key_id == settings.keyring.current_id
    finally:
        async with transaction(pipeline_context.sessions) as session:
            await service.delete_webhook(session, created.hook.id)


@pytest.fixture
async def database_at_0002(settings: Settings, databases: None) -> AsyncIterator[str]:
    url = with_database(settings.database_url, settings.database_url.rsplit("/", 1)[1] + "_wh")
    await create_database_if_missing(url)
    await asyncio.to_thread(command.upgrade, alembic_config(url), "0002")
    yield url
    await drop_database(url)


async def test_the_migration_seals_secrets_stored_in_plain_text(
    database_at_0002: str, settings: Settings
) -> None:
    conn = await asyncpg.connect(asyncpg_dsn(database_at_0002))
    try:
        hook_id = await conn.fetchval(
            "INSERT INTO lifeboat.webhooks (url, secret, events) "
            "VALUES ('http://127.0.0.1:9/x', 'plain-secret-before-0003', '[]') RETURNING id"
        )
        await asyncio.to_thread(command.upgrade, alembic_config(database_at_0002), "head")
        secret, key_id = await conn.fetchrow(
            "SELECT secret, secret_key_id FROM lifeboat.webhooks WHERE id = $1", hook_id
        )
    finally:
        await conn.close()
    assert key_id == settings.keyring.current_id
    assert "plain-secret-before-0003" not in secret
    hook = Webhook(id=hook_id, secret=secret, secret_key_id=key_id)
    assert webhook_secrets.reveal(settings.keyring, hook) == "plain-secret-before-0003"
