"""Notification actors, on their own queue so a slow receiver never delays a backup or restore.

`backup_finished` / `restore_finished` are what the export and restore actors call when they
are done: they record and queue the deliveries, and never raise.
"""

import logging
import uuid

import dramatiq

from app.notifications import delivery, service
from app.settings import get_settings
from workers.broker import broker
from workers.resources import get_context

__all__ = [
    "backup_finished",
    "broker",
    "deliver_notification",
    "restore_finished",
    "verification_finished",
]

logger = logging.getLogger("lifeboat.notifications")


# Retries are ours (attempt counts and backoff kept on the delivery row), not Dramatiq's.
@dramatiq.actor(queue_name=get_settings().queue("notifications"), max_retries=0)
async def deliver_notification(delivery_id: str) -> None:
    context = get_context()
    outcome = await delivery.attempt(context.sessions, context.settings, delivery_id)
    if outcome.retry_in is not None:
        deliver_notification.send_with_options(
            args=(delivery_id,), delay=int(outcome.retry_in * 1000)
        )


def send_delivery(delivery_id: str) -> None:
    deliver_notification.send(delivery_id)


async def backup_finished(backup_id: str) -> None:
    """Announce a backup that completed or failed; a notification problem is only logged."""
    context = get_context()
    try:
        await service.notify_backup_finished(
            context.sessions, context.settings, backup_id, send_delivery
        )
    except Exception:
        logger.exception("could not queue the notifications of backup %s", backup_id)


async def restore_finished(restore_id: uuid.UUID | str) -> None:
    """Announce a restore that completed or failed; a notification problem is only logged."""
    context = get_context()
    try:
        await service.notify_restore_finished(
            context.sessions, context.settings, restore_id, send_delivery
        )
    except Exception:
        logger.exception("could not queue the notifications of restore %s", restore_id)


async def verification_finished(verification_id: uuid.UUID | str) -> None:
    """Announce a drill that FAILED or ended in ERROR; a notification problem is only logged."""
    context = get_context()
    try:
        await service.notify_verification_finished(
            context.sessions, context.settings, verification_id, send_delivery
        )
    except Exception:
        logger.exception("could not queue the notifications of drill %s", verification_id)
