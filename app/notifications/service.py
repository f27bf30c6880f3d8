"""Notifications: who hears about a finished backup or restore, and the webhooks admins manage.

`notify_backup_finished` / `notify_restore_finished` record one delivery per destination,
commit, then hand each new delivery id to `enqueue` (a Dramatiq actor's send in the workers).
They never send anything themselves, so a slow or dead receiver cannot slow the caller, and
calling them twice for the same outcome sends nothing twice.
"""

import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.backups.repository import get_by_backup_id
from app.crypto.keyring import KeyRing
from app.db.drill_models import Verification
from app.db.engine import transaction
from app.db.models import RestoreOperation
from app.db.schedule_models import NotificationDelivery, Webhook
from app.errors import BadUserInput, NotFound
from app.notifications import events, repository
from app.notifications import secrets as webhook_secrets
from app.settings import Settings

Enqueue = Callable[[str], Any]
MAX_URL_LENGTH = 2000
MAX_DELIVERY_LIST = 500


async def notify_backup_finished(
    sessions: async_sessionmaker[AsyncSession], settings: Settings, backup_id: str, enqueue: Enqueue
) -> list[uuid.UUID]:
    """Queue backup.completed / backup.failed for every destination; ids of new deliveries."""
    async with transaction(sessions) as session:
        row = await get_by_backup_id(session, backup_id)
        event = events.backup_event(row) if row is not None else None
        if row is None or event is None:
            return []
        created = await _record(
            session, settings, event, row.backup_id, row.completed_at, events.backup_subject(row)
        )
    return _enqueue_all(created, enqueue)


async def notify_restore_finished(
    sessions: async_sessionmaker[AsyncSession],
    settings: Settings,
    restore_id: uuid.UUID | str,
    enqueue: Enqueue,
) -> list[uuid.UUID]:
    """Queue restore.completed / restore.failed for every destination; ids of new deliveries."""
    async with transaction(sessions) as session:
        row = await session.get(RestoreOperation, uuid.UUID(str(restore_id)))
        event = events.restore_event(row) if row is not None else None
        if row is None or event is None:
            return []
        created = await _record(
            session, settings, event, str(row.id), row.completed_at, events.restore_subject(row)
        )
    return _enqueue_all(created, enqueue)


async def notify_verification_finished(
    sessions: async_sessionmaker[AsyncSession],
    settings: Settings,
    verification_id: uuid.UUID | str,
    enqueue: Enqueue,
) -> list[uuid.UUID]:
    """Queue backup.verification_failed / _error for every destination (nothing for a
    drill that passed or still runs); ids of new deliveries."""
    async with transaction(sessions) as session:
        drill = await session.get(Verification, uuid.UUID(str(verification_id)))
        event = events.verification_event(drill) if drill is not None else None
        if drill is None or event is None:
            return []
        backup = await get_by_backup_id(session, drill.backup_id)
        if backup is None:
            return []
        subject = events.verification_subject(backup, drill)
        # Keyed on the drill, not the backup: each drill that fails is news.
        created = await _record(session, settings, event, str(drill.id), drill.finished_at, subject)
    return _enqueue_all(created, enqueue)


def _enqueue_all(created: list[uuid.UUID], enqueue: Enqueue) -> list[uuid.UUID]:
    # After the commit: the worker must find the row it is sent.
    for delivery_id in created:
        enqueue(str(delivery_id))
    return created


async def _record(
    session: AsyncSession,
    settings: Settings,
    event: str,
    subject_id: str,
    occurred_at: datetime | None,
    subject: dict[str, Any],
) -> list[uuid.UUID]:
    destinations: list[tuple[str, str, uuid.UUID | None]] = [
        ("webhook", hook.url, hook.id) for hook in await repository.webhooks_for(session, event)
    ]
    destinations += [("webhook", url, None) for url in settings.webhook_url_list]
    if settings.smtp_host:
        destinations += [("email", address, None) for address in settings.notify_email_list]
    created = []
    for channel, destination, webhook_id in destinations:
        delivery_id = uuid.uuid4()
        new_id = await repository.add_delivery(
            session,
            id=delivery_id,
            event=event,
            subject_id=subject_id,
            channel=channel,
            destination=destination,
            webhook_id=webhook_id,
            body=events.render_body(delivery_id, event, occurred_at, subject),
        )
        if new_id is not None:
            created.append(new_id)
    return created


def _check_url(url: str) -> str:
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or len(url) > MAX_URL_LENGTH:
        raise BadUserInput("a webhook URL must be an absolute http:// or https:// URL")
    return url


def _check_events(wanted: list[str] | None) -> list[str]:
    if wanted is None:
        return list(events.EVENTS)
    unknown = sorted(set(wanted) - set(events.EVENTS))
    if unknown or not wanted:
        raise BadUserInput(f"events must be some of {', '.join(events.EVENTS)}")
    return sorted(set(wanted))


@dataclass(frozen=True)
class CreatedWebhook:
    hook: Webhook
    secret: str  # shown once to whoever created it; stored sealed


async def create_webhook(
    session: AsyncSession,
    keyring: KeyRing,
    url: str,
    event_names: list[str] | None = None,
    secret: str | None = None,
    description: str | None = None,
) -> CreatedWebhook:
    """A new webhook; without a secret one is generated (the caller shows it once)."""
    if secret is not None and len(secret) < 16:
        raise BadUserInput("a webhook secret must be at least 16 characters")
    secret = secret or secrets.token_urlsafe(32)
    # The id is chosen here, not by the database: the sealed secret is bound to it.
    hook = Webhook(
        id=uuid.uuid4(),
        url=_check_url(url),
        events=_check_events(event_names),
        description=description,
        enabled=True,
    )
    webhook_secrets.store(keyring, hook, secret)
    session.add(hook)
    await session.flush()
    await session.refresh(hook)
    return CreatedWebhook(hook, secret)


async def set_webhook_enabled(
    session: AsyncSession, webhook_id: uuid.UUID, enabled: bool
) -> Webhook:
    hook = await repository.get_webhook(session, webhook_id)
    if hook is None:
        raise NotFound(f"no webhook {webhook_id}")
    hook.enabled = enabled
    await session.flush()
    return hook


async def delete_webhook(session: AsyncSession, webhook_id: uuid.UUID) -> None:
    if not await repository.delete_webhook(session, webhook_id):
        raise NotFound(f"no webhook {webhook_id}")


async def list_deliveries(session: AsyncSession, limit: int) -> list[NotificationDelivery]:
    if not 1 <= limit <= MAX_DELIVERY_LIST:
        raise BadUserInput(f"limit must be between 1 and {MAX_DELIVERY_LIST}")
    return await repository.list_deliveries(session, limit)
