"""What a running restore reports: progress in restore_operations, refreshed with a heartbeat."""

import uuid
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import Any, TypeVar

from app.pipelines import heartbeat
from app.pipelines.context import PipelineContext
from app.pipelines.progress import PipelineProgress
from app.restores import lifecycle
from app.restores.errors import RestoreNotRunning

T = TypeVar("T")


@dataclass
class RestoreProgress(PipelineProgress):
    rows: int = 0  # rows loaded so far
    current: str | None = None
    pre_restore_backup_id: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            **super().as_json(),
            "rows": self.rows,
            "currentTable": self.current,
            "preRestoreBackupId": self.pre_restore_backup_id,
        }


async def with_heartbeat(
    ctx: PipelineContext, restore_id: uuid.UUID, progress: RestoreProgress, work: Awaitable[T]
) -> T:
    """Run `work` publishing progress; RestoreNotRunning stops it (rolling back) if failed."""
    return await heartbeat.with_heartbeat(
        work,
        lambda: lifecycle.beat(ctx.sessions, restore_id, progress.as_json()),
        interval=ctx.settings.heartbeat_seconds,
        stopped=RestoreNotRunning,
        label=f"restore {restore_id}",
    )
