"""GraphQL type of an audit row."""

from datetime import datetime
from typing import cast

import strawberry
from strawberry.scalars import JSON

from app.db.audit_models import AuditEvent as AuditEventRow


@strawberry.type(
    description="One entry of the audit trail: who did what, from where, and how it went."
)
class AuditEvent:
    id: strawberry.ID
    at: datetime
    action: str = strawberry.field(
        description='The root field ("restoreBackup"), "authenticate", or a CLI/system action '
        '("admin.create", "backup.scheduled", …).'
    )
    outcome: str = strawberry.field(description='"ok" or the error code.')
    actor: str = strawberry.field(description="admin, system, cli or anonymous.")
    admin_email: str | None
    admin_id: strawberry.ID | None
    token_id: strawberry.ID | None
    client_address: str | None = strawberry.field(
        description="The caller's IP address (X-Forwarded-For only from LIFEBOAT_TRUSTED_PROXIES); "
        "for cli rows the OS user and host that ran the command."
    )
    arguments: JSON | None = strawberry.field(description="As sent, secrets redacted.")
    count: int = strawberry.field(
        description="Failed authentications: how many came from this address in this minute."
    )

    @classmethod
    def from_row(cls, row: AuditEventRow) -> "AuditEvent":
        return cls(
            id=strawberry.ID(str(row.id)),
            at=row.at,
            action=row.action,
            outcome=row.outcome,
            actor=row.actor,
            admin_email=row.admin_email,
            admin_id=strawberry.ID(str(row.admin_id)) if row.admin_id else None,
            token_id=strawberry.ID(str(row.token_id)) if row.token_id else None,
            client_address=row.client_address,
            arguments=cast(JSON, row.arguments),
            count=row.count,
        )
