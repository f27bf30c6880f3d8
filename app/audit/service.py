"""The audit trail: every row is written through here, in the transaction of what it records."""

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.audit import repository
from app.audit.actor import SYSTEM, Actor
from app.audit.redact import redact
from app.db.audit_models import AuditEvent
from app.errors import AppError, BadUserInput

OK = "ok"
MAX_LIST_LIMIT = 500
UNKNOWN_ADDRESS = "unknown"


async def record(
    session: AsyncSession,
    actor: Actor,
    action: str,
    arguments: dict[str, Any] | None = None,
    outcome: str = OK,
) -> None:
    """Add one audit row in `session`'s transaction: it commits, or rolls back, with the action.

    Should the row fail to be written, the statement raises and the caller's transaction, the
    action with it, fails. Secrets in `arguments` are redacted here.
    """
    await repository.add(session, actor, action, redact(arguments or {}) or None, outcome)


def outcome_of(error: BaseException) -> str:
    """The outcome of a failed action: its error code."""
    return error.code if isinstance(error, AppError) else "INTERNAL_SERVER_ERROR"


async def record_failed_authentication(
    session: AsyncSession, client_address: str | None, outcome: str
) -> None:
    """Count a request whose credentials were refused: one row per address and minute."""
    await repository.count_failed_authentication(
        session, client_address or UNKNOWN_ADDRESS, outcome
    )


async def list_events(
    session: AsyncSession,
    limit: int,
    before: datetime | None,
    action: str | None,
    admin_email: str | None,
) -> list[AuditEvent]:
    if not 1 <= limit <= MAX_LIST_LIMIT:
        raise BadUserInput(f"limit must be between 1 and {MAX_LIST_LIMIT}")
    return await repository.newest_first(session, limit, before, action, admin_email)


async def prune(session: AsyncSession, retention_days: float) -> int:
    """Delete rows older than LIFEBOAT_AUDIT_RETENTION_DAYS; the deletion is itself recorded."""
    deleted = await repository.delete_older_than(session, retention_days)
    if deleted:
        await record(
            session, SYSTEM, "audit.prune", {"olderThanDays": retention_days, "deleted": deleted}
        )
    return deleted
