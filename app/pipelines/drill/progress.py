"""What a running drill reports: progress on its verifications row, with a heartbeat.

A drill restores first (the restore's own steps and counters fill this report), then reads
back; the seconds each part took are kept apart, so an operator (and the benchmark) sees
what the restore cost and what proving it did.
"""

import uuid
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import Any, TypeVar

from app.drills import lifecycle
from app.drills.lifecycle import DrillNotRunning
from app.pipelines import heartbeat
from app.pipelines.context import PipelineContext
from app.pipelines.restore.progress import RestoreProgress

T = TypeVar("T")


@dataclass
class DrillProgress(RestoreProgress):
    rows_checked: int = 0  # rows read back so far
    restore_seconds: float | None = None
    read_back_seconds: float | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            **super().as_json(),
            "rowsChecked": self.rows_checked,
            "restoreSeconds": self.restore_seconds,
            "readBackSeconds": self.read_back_seconds,
        }


async def with_heartbeat(
    ctx: PipelineContext, verification_id: uuid.UUID, progress: DrillProgress, work: Awaitable[T]
) -> T:
    """Run `work` publishing progress; DrillNotRunning stops it if the drill was settled."""
    return await heartbeat.with_heartbeat(
        work,
        lambda state: lifecycle.beat(ctx.sessions, verification_id, state),
        progress=progress,
        interval=ctx.settings.heartbeat_seconds,
        stopped=DrillNotRunning,
        label=f"drill {verification_id}",
    )
