"""Webhook and notification queries."""

import strawberry

from app.graphql.context import Context
from app.graphql.notifications.types import NotificationDelivery, Webhook
from app.notifications import repository, service


@strawberry.type
class NotificationQueries:
    @strawberry.field(description="Webhooks managed through the API (not those from settings).")
    async def webhooks(self, info: strawberry.Info[Context, None]) -> list[Webhook]:
        async with info.context.state.sessions() as session:
            rows = await repository.list_webhooks(session)
        return [Webhook.from_row(row) for row in rows]

    @strawberry.field(description="Notification deliveries, newest first (at most 500).")
    async def notification_deliveries(
        self, info: strawberry.Info[Context, None], limit: int = 50
    ) -> list[NotificationDelivery]:
        async with info.context.state.sessions() as session:
            rows = await service.list_deliveries(session, limit)
        return [NotificationDelivery.from_row(row) for row in rows]
