"""Webhook mutations."""

import strawberry

from app.graphql.context import Context
from app.graphql.ids import parse_uuid
from app.graphql.notifications.types import CreatedWebhook, CreateWebhookInput, Webhook
from app.notifications import service


@strawberry.type
class NotificationMutations:
    @strawberry.mutation(description="Add a webhook; its secret is returned only here.")
    async def create_webhook(
        self, info: strawberry.Info[Context, None], input: CreateWebhookInput
    ) -> CreatedWebhook:
        async with info.context.transaction() as session:
            created = await service.create_webhook(
                session,
                info.context.state.settings.keyring,
                input.url,
                input.events,
                input.secret,
                input.description,
            )
        return CreatedWebhook(webhook=Webhook.from_row(created.hook), secret=created.secret)

    @strawberry.mutation(description="Pause or resume a webhook.")
    async def set_webhook_enabled(
        self, info: strawberry.Info[Context, None], id: strawberry.ID, enabled: bool
    ) -> Webhook:
        async with info.context.transaction() as session:
            row = await service.set_webhook_enabled(session, parse_uuid(id, "webhook"), enabled)
        return Webhook.from_row(row)

    @strawberry.mutation(description="Delete a webhook; its pending deliveries are dropped.")
    async def delete_webhook(self, info: strawberry.Info[Context, None], id: strawberry.ID) -> bool:
        async with info.context.transaction() as session:
            await service.delete_webhook(session, parse_uuid(id, "webhook"))
        return True
