"""Webhook deliveries through a real Dramatiq worker to a real local HTTP receiver: signed,
retried with backoff while the receiver fails, given up after the last attempt, never repeated."""

import json
from datetime import UTC, datetime
from typing import Any

import dramatiq
import pytest
from pydantic import SecretStr
from sqlalchemy import select

from app.auth.service import ensure_admin
from app.db.engine import transaction
from app.db.models import RestoreOperation
from app.db.schedule_models import NotificationDelivery
from app.notifications import service
from app.notifications.signing import verify
from app.pipelines.context import PipelineContext
from app.restores.targets import configured_target
from app.settings import Settings, get_settings
from tests.conftest import GraphQLClient, error_code
from tests.notifications.smtp_receiver import smtp_server
from tests.support.automation import Receiver, add_backup
from tests.support.worker import wait_for

TARGET_KEY = configured_target(get_settings()).key

CREATE_HOOK = """
mutation ($input: CreateWebhookInput!) {
  createWebhook(input: $input) { secret webhook { id url events enabled } }
}
"""
DELIVERIES = """
query { notificationDeliveries { event subjectId destination status attempts lastError } }
"""


@pytest.fixture
def quick_retries(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """Back off 0.1 s, 0.2 s, ... instead of 5 s, 10 s, ... (the worker shares this object)."""
    monkeypatch.setattr(settings, "notification_retry_seconds", 0.1)
    return settings


async def deliveries_of(ctx: PipelineContext, subject_id: str) -> list[NotificationDelivery]:
    async with ctx.sessions() as session:
        rows = await session.scalars(
            select(NotificationDelivery).where(NotificationDelivery.subject_id == subject_id)
        )
        return list(rows)


async def settled(ctx: PipelineContext, subject_id: str) -> list[NotificationDelivery] | None:
    rows = await deliveries_of(ctx, subject_id)
    return rows if rows and all(row.status != "pending" for row in rows) else None


async def notify_backup(ctx: PipelineContext, backup_id: str) -> list[Any]:
    from workers.actors.notifications import send_delivery

    return await service.notify_backup_finished(
        ctx.sessions, ctx.settings, backup_id, send_delivery
    )


async def test_a_failing_receiver_gets_the_signed_event_after_retries(
    automation: PipelineContext,
    gql: GraphQLClient,
    receiver: Receiver,
    full_worker: dramatiq.Worker,
    quick_retries: Settings,
) -> None:
    ctx = automation
    receiver.fail_first = 2
    created = (await gql(CREATE_HOOK, {"input": {"url": receiver.url}}))["data"]["createWebhook"]
    assert created["webhook"]["events"] == [
        "backup.completed",
        "backup.failed",
        "restore.completed",
        "restore.failed",
        "backup.verification_failed",
        "backup.verification_error",
    ]
    backup_id = await add_backup(ctx, datetime.now(UTC), backup_type="full")

    [delivery_id] = await notify_backup(ctx, backup_id)

    [row] = await wait_for(lambda: settled(ctx, backup_id), timeout=30, message="the delivery")
    assert (row.status, row.attempts, receiver.attempts) == ("delivered", 3, 3)
    [received] = receiver.received
    assert verify(created["secret"], received.body, received.headers["X-Lifeboat-Signature"])
    assert received.headers["X-Lifeboat-Signature"].startswith("sha256=")
    assert received.headers["X-Lifeboat-Event"] == "backup.completed"
    assert received.headers["X-Lifeboat-Delivery"] == str(delivery_id)
    body = received.json()
    assert (body["id"], body["event"]) == (str(delivery_id), "backup.completed")
    assert body["backup"]["backupId"] == backup_id and body["backup"]["type"] == "full"
    assert not verify("another secret", received.body, received.headers["X-Lifeboat-Signature"])

    # Announcing the same outcome again sends nothing twice.
    assert await notify_backup(ctx, backup_id) == []
    listed = (await gql(DELIVERIES))["data"]["notificationDeliveries"]
    mine = [d for d in listed if d["subjectId"] == backup_id]
    assert mine == [
        {
            "event": "backup.completed",
            "subjectId": backup_id,
            "destination": receiver.url,
            "status": "delivered",
            "attempts": 3,
            "lastError": None,
        }
    ]


async def test_a_receiver_that_stays_down_fails_the_delivery_not_the_backup(
    automation: PipelineContext,
    receiver: Receiver,
    full_worker: dramatiq.Worker,
    quick_retries: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ctx = automation
    monkeypatch.setattr(quick_retries, "notification_max_attempts", 3)
    receiver.fail_first = 1000
    async with transaction(ctx.sessions) as session:
        await service.create_webhook(session, ctx.settings.keyring, receiver.url)
    backup_id = await add_backup(ctx, datetime.now(UTC))

    await notify_backup(ctx, backup_id)

    [row] = await wait_for(lambda: settled(ctx, backup_id), timeout=30, message="the delivery")
    assert (row.status, row.attempts, row.last_error) == ("failed", 3, "HTTP 500 from the receiver")
    assert receiver.attempts == 3 and receiver.received == []


async def test_events_go_only_to_webhooks_subscribed_to_them_and_to_configured_urls(
    automation: PipelineContext,
    receiver: Receiver,
    full_worker: dramatiq.Worker,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ctx = automation
    monkeypatch.setattr(settings, "webhook_urls", receiver.url + "?from=config")
    monkeypatch.setattr(settings, "webhook_secret", SecretStr("configured-secret-0123456789"))
    async with transaction(ctx.sessions) as session:
        await service.create_webhook(session, ctx.settings.keyring, receiver.url, ["backup.failed"])
        admin = await ensure_admin(session, "restorer@test.local")
        backup_id = await add_backup(ctx, datetime.now(UTC))
    async with transaction(ctx.sessions) as session:
        restore = RestoreOperation(
            backup_id=backup_id, initiated_by=admin.id, database_key=TARGET_KEY, status="completed"
        )
        session.add(restore)
    from workers.actors.notifications import send_delivery

    sent = await service.notify_restore_finished(ctx.sessions, settings, restore.id, send_delivery)

    assert len(sent) == 1  # the webhook only wants backup.failed
    await wait_for(lambda: settled(ctx, str(restore.id)), timeout=30, message="the delivery")
    [received] = receiver.received
    assert received.headers["X-Lifeboat-Event"] == "restore.completed"
    assert verify(
        "configured-secret-0123456789", received.body, received.headers["X-Lifeboat-Signature"]
    )
    assert received.json()["restore"]["id"] == str(restore.id)


async def test_email_notifications_over_smtp(
    automation: PipelineContext,
    full_worker: dramatiq.Worker,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ctx = automation
    with smtp_server() as mailbox:
        monkeypatch.setattr(settings, "smtp_host", mailbox.host)
        monkeypatch.setattr(settings, "smtp_port", mailbox.port)
        monkeypatch.setattr(settings, "notify_emails", "ops@example.com, dba@example.com")
        backup_id = await add_backup(
            ctx, datetime.now(UTC), status="failed", error_message="disk full"
        )

        assert len(await notify_backup(ctx, backup_id)) == 2

        rows = await wait_for(lambda: settled(ctx, backup_id), timeout=30, message="the e-mails")
        assert {row.status for row in rows} == {"delivered"}
    recipients = sorted(to for rcpt, _ in mailbox.messages for to in rcpt)
    assert recipients == ["dba@example.com", "ops@example.com"]
    message = mailbox.messages[0][1]
    assert message["Subject"] == f"[Lifeboat] backup.failed: {backup_id}"
    text = message.get_payload(decode=True).decode()  # type: ignore[union-attr]
    assert "disk full" in text
    assert json.loads(text[text.index("{") :])["backup"]["backupId"] == backup_id


@pytest.mark.parametrize(
    "hook",
    [
        {"url": "ftp://example.com/hook"},
        {"url": "not a url"},
        {"url": "http://example.com/hook", "events": ["backup.exploded"]},
        {"url": "http://example.com/hook", "events": []},
        {"url": "http://example.com/hook", "secret": "short"},
    ],
)
async def test_bad_webhooks_are_refused(
    automation: PipelineContext, gql: GraphQLClient, hook: dict[str, Any]
) -> None:
    assert error_code(await gql(CREATE_HOOK, {"input": hook})) == "BAD_USER_INPUT"
    assert (await gql("query { webhooks { id } }"))["data"]["webhooks"] == []


async def test_webhooks_are_listed_paused_and_deleted(
    automation: PipelineContext, gql: GraphQLClient
) -> None:
    created = await gql(
        CREATE_HOOK,
        {"input": {"url": "https://hooks.example.com/x", "events": ["backup.failed"]}},
    )
    hook = created["data"]["createWebhook"]["webhook"]
    assert len(created["data"]["createWebhook"]["secret"]) >= 32
    listed = (await gql("query { webhooks { id url events enabled } }"))["data"]["webhooks"]
    assert listed == [hook]
    paused = await gql(
        "mutation ($id: ID!) { setWebhookEnabled(id: $id, enabled: false) { enabled } }",
        {"id": hook["id"]},
    )
    assert paused["data"]["setWebhookEnabled"] == {"enabled": False}
    delete = "mutation ($id: ID!) { deleteWebhook(id: $id) }"
    assert (await gql(delete, {"id": hook["id"]}))["data"]["deleteWebhook"] is True
    assert error_code(await gql(delete, {"id": hook["id"]})) == "NOT_FOUND"
