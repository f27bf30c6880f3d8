"""The audit trail, for admins. It is read-only: no operation changes or deletes an entry."""

from datetime import datetime

import strawberry

from app.audit.service import list_events
from app.graphql.audit.types import AuditEvent
from app.graphql.context import Context


@strawberry.type
class AuditQueries:
    @strawberry.field(
        description="Audit entries, newest first (at most 500); `before` pages back by time, "
        "`action` and `adminEmail` filter."
    )
    async def audit_events(
        self,
        info: strawberry.Info[Context, None],
        limit: int | None = 50,
        before: datetime | None = None,
        action: str | None = None,
        admin_email: str | None = None,
    ) -> list[AuditEvent]:
        async with info.context.state.sessions() as session:
            rows = await list_events(
                session, 50 if limit is None else limit, before, action, admin_email
            )
        return [AuditEvent.from_row(row) for row in rows]
