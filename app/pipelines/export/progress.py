"""What a running export reports: progress in system_backups, refreshed with a heartbeat."""

from collections.abc import Awaitable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from app.backups import lifecycle
from app.pipelines import heartbeat
from app.pipelines.context import PipelineContext
from app.pipelines.progress import PipelineProgress, StepClock

T = TypeVar("T")


@dataclass
class ExportProgress(PipelineProgress):
    current: list[str] = field(default_factory=list)
    clock: StepClock = field(default_factory=lambda: StepClock("starting"))

    def as_json(self) -> dict[str, Any]:
        return {**super().as_json(), "currentTables": sorted(self.current)}


async def with_heartbeat(
    ctx: PipelineContext, backup_id: str, progress: ExportProgress, work: Awaitable[T]
) -> T:
    """Run `work` publishing progress; BackupNotCreating stops it if the backup was failed."""
    return await heartbeat.with_heartbeat(
        work,
        lambda: lifecycle.beat(ctx.sessions, backup_id, progress.as_json()),
        interval=ctx.settings.heartbeat_seconds,
        stopped=lifecycle.BackupNotCreating,
        label=f"backup {backup_id}",
    )
