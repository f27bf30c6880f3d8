"""GraphQL types of webhooks and notification deliveries."""

from datetime import datetime

import strawberry

from app.db.schedule_models import NotificationDelivery as DeliveryRow
from app.db.schedule_models import Webhook as WebhookRow


@strawberry.type(description="Receives a signed JSON POST for each event it subscribes to.")
class Webhook:
    id: strawberry.ID
    url: str
    events: list[str]
    enabled: bool
    description: str | None
    created_at: datetime

    @classmethod
    def from_row(cls, row: WebhookRow) -> "Webhook":
        return cls(
            id=strawberry.ID(str(row.id)),
            url=row.url,
            events=list(row.events),
            enabled=row.enabled,
            description=row.description,
            created_at=row.created_at,
        )


@strawberry.type
class CreatedWebhook:
    webhook: Webhook
    secret: str = strawberry.field(
        description="Signs every delivery (X-Lifeboat-Signature: sha256=<hex HMAC of the body>); "
        "shown only here."
    )


@strawberry.input
class CreateWebhookInput:
    url: str
    events: list[str] | None = strawberry.field(
        default=None,
        description="Some of backup.completed, backup.failed, restore.completed, "
        "restore.failed, backup.verification_failed, backup.verification_error; all when "
        "omitted.",
    )
    secret: str | None = strawberry.field(
        default=None, description="At least 16 characters; generated when omitted."
    )
    description: str | None = None


@strawberry.type
class NotificationDelivery:
    id: strawberry.ID
    event: str
    subject_id: str
    channel: str
    destination: str
    status: str
    attempts: int
    last_error: str | None
    created_at: datetime
    last_attempt_at: datetime | None
    delivered_at: datetime | None

    @classmethod
    def from_row(cls, row: DeliveryRow) -> "NotificationDelivery":
        return cls(
            id=strawberry.ID(str(row.id)),
            event=row.event,
            subject_id=row.subject_id,
            channel=row.channel,
            destination=row.destination,
            status=row.status,
            attempts=row.attempts,
            last_error=row.last_error,
            created_at=row.created_at,
            last_attempt_at=row.last_attempt_at,
            delivered_at=row.delivered_at,
        )
