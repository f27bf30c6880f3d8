"""A drill's life on verifications: taken up, progressing, then passed, failed or errored.

Every call commits at once, on purpose: the API must see progress while the drill runs.
Each change applies only to a drill still running, so a drill the reaper settled can never be
finished again by a worker that comes back.
"""

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.audit import OK, SYSTEM, record
from app.db.engine import transaction
from app.drills import repository

PASSED, FAILED, ERROR = "passed", "failed", "error"
# The audit trail's action for a drill's verdict (a system action: no admin decides it).
AUDIT_ACTION = "backup.verification"


class DrillNotRunning(Exception):
    """The drill is no longer running (finished, or settled by the reaper meanwhile)."""


@dataclass(frozen=True)
class DrillResult:
    status: str  # passed, failed or error
    error: str | None = None
    tables_checked: int | None = None
    rows_checked: int | None = None


async def take_up(
    sessions: async_sessionmaker[AsyncSession],
    verification_id: uuid.UUID,
    drill_server: str,
    scratch_database: str,
) -> None:
    """Record that a worker runs the drill now, and where its scratch database will be."""
    await _update(
        sessions,
        verification_id,
        worker_started_at=func.now(),
        heartbeat_at=func.now(),
        drill_server=drill_server,
        scratch_database=scratch_database,
        progress={"step": "starting"},
    )


async def beat(
    sessions: async_sessionmaker[AsyncSession],
    verification_id: uuid.UUID,
    progress: dict[str, Any],
) -> None:
    await _update(sessions, verification_id, progress=progress, heartbeat_at=func.now())


async def finish(
    sessions: async_sessionmaker[AsyncSession],
    verification_id: uuid.UUID,
    result: DrillResult,
    progress: dict[str, Any] | None = None,
) -> bool:
    """Record the outcome, with its audit row; False when the drill was no longer running
    (nothing changed, nothing audited)."""
    values: dict[str, Any] = {
        "status": result.status,
        "error": result.error,
        "tables_checked": result.tables_checked,
        "rows_checked": result.rows_checked,
        "finished_at": func.now(),
        "heartbeat_at": func.now(),
    }
    if progress is not None:
        values["progress"] = progress
    async with transaction(sessions) as session:
        if not await repository.update_running(session, verification_id, **values):
            return False
        row = await repository.get(session, verification_id)
        assert row is not None
        arguments = {
            "backupId": row.backup_id,
            "verificationId": str(verification_id),
            "status": result.status,
            "error": result.error,
            "tablesChecked": result.tables_checked,
            "rowsChecked": result.rows_checked,
        }
        outcome = OK if result.status == PASSED else result.status.upper()
        await record(session, SYSTEM, AUDIT_ACTION, arguments, outcome)
        return True


async def _update(
    sessions: async_sessionmaker[AsyncSession], verification_id: uuid.UUID, **values: Any
) -> None:
    async with transaction(sessions) as session:
        if not await repository.update_running(session, verification_id, **values):
            raise DrillNotRunning(f"drill {verification_id} is no longer running")
