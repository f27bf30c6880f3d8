"""Queries on audit_events: add a row, count a failed authentication, list, prune."""

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, delete, func, insert, literal_column, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.actor import Actor
from app.db.audit_models import AuditEvent

# The start of the current minute (UTC, whatever the session's time zone), on the DB's clock.
_THIS_MINUTE: ColumnElement[datetime] = literal_column(
    "to_timestamp(floor(extract(epoch FROM clock_timestamp()) / 60) * 60)"
)


def _who(actor: Actor) -> dict[str, Any]:
    return {
        "actor": actor.kind,
        "admin_id": actor.admin_id,
        "admin_email": actor.admin_email,
        "token_id": actor.token_id,
        "client_address": actor.client_address,
    }


async def add(
    session: AsyncSession,
    actor: Actor,
    action: str,
    arguments: dict[str, Any] | None,
    outcome: str,
) -> None:
    await session.execute(
        insert(AuditEvent).values(
            **_who(actor), action=action, arguments=arguments, outcome=outcome
        )
    )


async def count_failed_authentication(
    session: AsyncSession, client_address: str, outcome: str
) -> None:
    """One row per client address and minute; later failures in that minute add to its count."""
    statement = pg_insert(AuditEvent).values(
        actor="anonymous",
        client_address=client_address,
        action="authenticate",
        outcome=outcome,
        window_start=_THIS_MINUTE,
    )
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=[AuditEvent.client_address, AuditEvent.window_start],
            index_where=AuditEvent.window_start.is_not(None),
            set_={"count": AuditEvent.count + 1},
        )
    )


async def newest_first(
    session: AsyncSession,
    limit: int,
    before: datetime | None,
    action: str | None,
    admin_email: str | None,
) -> list[AuditEvent]:
    query = select(AuditEvent).order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(limit)
    if before is not None:
        query = query.where(AuditEvent.at < before)
    if action is not None:
        query = query.where(AuditEvent.action == action)
    if admin_email is not None:
        query = query.where(AuditEvent.admin_email == admin_email)
    return list(await session.scalars(query))


async def delete_older_than(session: AsyncSession, days: float) -> int:
    result = await session.execute(
        delete(AuditEvent).where(AuditEvent.at < func.now() - timedelta(days=days))
    )
    return int(result.rowcount)  # type: ignore[attr-defined]
