"""Sending one delivery: a signed webhook POST or an e-mail, with exponential backoff on failure.

At-least-once: a worker killed after the receiver answered but before the row was updated
sends again; receivers drop repeats by the `X-Lifeboat-Delivery` header (the body's `id`).
"""

import asyncio
import logging
import uuid
from dataclasses import dataclass

import httpx
from sqlalchemy import func
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.db.engine import transaction
from app.db.schedule_models import NotificationDelivery
from app.errors import PreconditionFailed
from app.notifications import repository, signing
from app.notifications import secrets as webhook_secrets
from app.notifications.email import send_email
from app.settings import Settings

logger = logging.getLogger("lifeboat.notifications")

MAX_BACKOFF_SECONDS = 3600.0


class DeliveryFailed(Exception):
    """The destination refused or did not answer."""


@dataclass(frozen=True)
class Outcome:
    status: str  # delivered, failed, pending (retry later) or skipped (nothing to do)
    retry_in: float | None = None


def backoff(settings: Settings, attempts: int) -> float:
    """Seconds to wait after the n-th failed attempt: doubling from the base, at most an hour."""
    return min(settings.notification_retry_seconds * 2 ** (attempts - 1), MAX_BACKOFF_SECONDS)


async def attempt(
    sessions: async_sessionmaker[AsyncSession], settings: Settings, delivery_id: str
) -> Outcome:
    """Try a pending delivery once and record the result; tells when to try again."""
    async with transaction(sessions) as session:
        # The row stays locked while sending, so a duplicate message cannot send it twice.
        row = await repository.claim_pending(session, uuid.UUID(delivery_id))
        if row is None:
            return Outcome("skipped")
        attempts = row.attempts + 1
        try:
            await _send(session, settings, row)
        except DeliveryFailed as error:
            final = attempts >= settings.notification_max_attempts
            status = "failed" if final else "pending"
            logger.warning(
                "notification %s to %s failed (attempt %d): %s",
                row.event,
                row.destination,
                attempts,
                error,
            )
            await repository.update_delivery(
                session,
                row.id,
                status=status,
                attempts=attempts,
                last_error=str(error)[:2000],
                last_attempt_at=func.now(),
            )
            return Outcome(status, None if final else backoff(settings, attempts))
        await repository.update_delivery(
            session,
            row.id,
            status="delivered",
            attempts=attempts,
            last_error=None,
            last_attempt_at=func.now(),
            delivered_at=func.now(),
        )
    return Outcome("delivered")


async def _send(session: AsyncSession, settings: Settings, row: NotificationDelivery) -> None:
    if row.channel == "email":
        try:
            await asyncio.to_thread(send_email, settings, row.destination, row.event, row.body)
        except OSError as error:  # smtplib's errors are OSErrors, like refused connections
            raise DeliveryFailed(f"SMTP: {error}") from error
        return
    secret = await _webhook_secret(session, settings, row)
    await post_webhook(settings, row, secret)


async def _webhook_secret(
    session: AsyncSession, settings: Settings, row: NotificationDelivery
) -> str:
    if row.webhook_id is not None:
        hook = await repository.get_webhook(session, row.webhook_id)
        if hook is not None and hook.enabled:
            try:
                return webhook_secrets.reveal(settings.keyring, hook)
            except PreconditionFailed as error:  # its key is not configured, or it was altered
                raise DeliveryFailed(f"cannot sign the delivery: {error}") from error
    elif row.destination in settings.webhook_url_list:
        return settings.webhook_secret.get_secret_value()
    # Deleted or disabled since the event: retrying cannot help.
    raise DeliveryFailed("the webhook was deleted or disabled")


async def post_webhook(settings: Settings, row: NotificationDelivery, secret: str) -> None:
    body = row.body.encode()
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "lifeboat-webhooks",
        signing.SIGNATURE_HEADER: signing.signature(secret, body),
        signing.EVENT_HEADER: row.event,
        signing.DELIVERY_HEADER: str(row.id),
    }
    try:
        async with httpx.AsyncClient(timeout=settings.notification_timeout_seconds) as http:
            response = await http.post(row.destination, content=body, headers=headers)
    except httpx.HTTPError as error:
        raise DeliveryFailed(f"{type(error).__name__}: {error}") from error
    if not 200 <= response.status_code < 300:
        raise DeliveryFailed(f"HTTP {response.status_code} from the receiver")
