"""What a running export reports: progress in system_backups, published as it changes."""

from collections.abc import Awaitable
from dataclasses import dataclass, field
from typing import TypeVar

from app.backups import lifecycle
from app.pipelines import heartbeat
from app.pipelines.context import PipelineContext
from app.pipelines.progress import PipelineProgress, StepClock

T = TypeVar("T")


@dataclass
class ExportProgress(PipelineProgress):
    current: list[str] = field(default_factory=list)
    clock: StepClock = field(default_factory=lambda: StepClock("starting"))

    @property
    def current_table(self) -> str | None:
        return ", ".join(sorted(self.current)) or None


async def with_heartbeat(
    ctx: PipelineContext, backup_id: str, progress: ExportProgress, work: Awaitable[T]
) -> T:
    """Run `work` publishing progress; BackupNotCreating stops it if the backup was failed."""
    return await heartbeat.with_heartbeat(
        work,
        lambda state: lifecycle.beat(ctx.sessions, backup_id, state),
        progress=progress,
        interval=ctx.settings.heartbeat_seconds,
        stopped=lifecycle.BackupNotCreating,
        label=f"backup {backup_id}",
    )
