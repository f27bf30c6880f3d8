"""What a running restore reports: progress in restore_operations, published as it changes."""

import uuid
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import TypeVar

from app.pipelines import heartbeat
from app.pipelines.context import PipelineContext
from app.pipelines.progress import PipelineProgress
from app.restores import lifecycle
from app.restores.errors import RestoreNotRunning

T = TypeVar("T")


@dataclass
class RestoreProgress(PipelineProgress):
    current: str | None = None
    pre_restore_backup_id: str | None = None

    @property
    def current_table(self) -> str | None:
        return self.current


async def with_heartbeat(
    ctx: PipelineContext, restore_id: uuid.UUID, progress: RestoreProgress, work: Awaitable[T]
) -> T:
    """Run `work` publishing progress; RestoreNotRunning stops it (rolling back) if failed."""
    return await heartbeat.with_heartbeat(
        work,
        lambda state: lifecycle.beat(ctx.sessions, restore_id, state),
        progress=progress,
        interval=ctx.settings.heartbeat_seconds,
        stopped=RestoreNotRunning,
        label=f"restore {restore_id}",
    )
