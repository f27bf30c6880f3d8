"""Queries on webhooks and notification_deliveries."""

import uuid
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.schedule_models import NotificationDelivery, Webhook


async def list_webhooks(session: AsyncSession) -> list[Webhook]:
    return list(await session.scalars(select(Webhook).order_by(Webhook.created_at, Webhook.id)))


async def get_webhook(session: AsyncSession, webhook_id: uuid.UUID) -> Webhook | None:
    return await session.get(Webhook, webhook_id)


async def delete_webhook(session: AsyncSession, webhook_id: uuid.UUID) -> bool:
    result = await session.execute(
        delete(Webhook).where(Webhook.id == webhook_id).returning(Webhook.id)
    )
    return result.first() is not None


async def webhooks_for(session: AsyncSession, event: str) -> list[Webhook]:
    """Enabled webhooks subscribed to an event."""
    rows = await session.scalars(
        select(Webhook).where(Webhook.enabled.is_(True), Webhook.events.contains([event]))
    )
    return list(rows)


async def add_delivery(session: AsyncSession, **values: Any) -> uuid.UUID | None:
    """Insert a delivery unless this event already went to this destination; its id if new."""
    result = await session.execute(
        insert(NotificationDelivery)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["event", "subject_id", "channel", "destination"])
        .returning(NotificationDelivery.id)
    )
    return result.scalar_one_or_none()


async def claim_pending(
    session: AsyncSession, delivery_id: uuid.UUID
) -> NotificationDelivery | None:
    """Lock a pending delivery, skipping one another worker is sending right now."""
    return await session.scalar(
        select(NotificationDelivery)
        .where(NotificationDelivery.id == delivery_id, NotificationDelivery.status == "pending")
        .with_for_update(skip_locked=True)
    )


async def update_delivery(session: AsyncSession, delivery_id: uuid.UUID, **values: Any) -> None:
    await session.execute(
        update(NotificationDelivery).where(NotificationDelivery.id == delivery_id).values(**values)
    )


async def list_deliveries(session: AsyncSession, limit: int) -> list[NotificationDelivery]:
    rows = await session.scalars(
        select(NotificationDelivery)
        .order_by(NotificationDelivery.created_at.desc(), NotificationDelivery.id)
        .limit(limit)
    )
    return list(rows)
