"""What a running restore reports: progress in restore_operations, refreshed with a heartbeat."""

import uuid
from collections.abc import Awaitable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from app.pipelines import heartbeat
from app.pipelines.context import PipelineContext
from app.pipelines.step_clock import StepClock, TimedSteps
from app.restores import lifecycle
from app.restores.errors import RestoreNotRunning

T = TypeVar("T")


@dataclass
class RestoreProgress(TimedSteps):
    tables_total: int = 0
    tables_done: int = 0
    rows: int = 0  # rows loaded so far
    bytes_read: int = 0  # uncompressed COPY bytes sent so far
    current: str | None = None
    pre_restore_backup_id: str | None = None
    clock: StepClock = field(default_factory=lambda: StepClock("start"))

    def add_bytes(self, count: int) -> None:
        self.bytes_read += count

    def as_json(self) -> dict[str, Any]:
        return {
            "step": self.step,
            "tablesDone": self.tables_done,
            "tablesTotal": self.tables_total,
            "rows": self.rows,
            "bytes": self.bytes_read,
            "currentTable": self.current,
            "preRestoreBackupId": self.pre_restore_backup_id,
            "stepTimes": self.clock.times(),
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
