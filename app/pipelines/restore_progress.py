"""What a running restore reports: progress in restore_operations, refreshed with a heartbeat."""

import asyncio
import logging
import uuid
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import Any, TypeVar

from app.pipelines.context import PipelineContext
from app.restores import lifecycle
from app.restores.errors import RestoreNotRunning

logger = logging.getLogger("lifeboat.restore")

T = TypeVar("T")


@dataclass
class RestoreProgress:
    step: str = "start"
    tables_total: int = 0
    tables_done: int = 0
    rows: int = 0  # rows loaded so far
    bytes_read: int = 0  # uncompressed COPY bytes sent so far
    current: str | None = None
    pre_restore_backup_id: str | None = None

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
        }


async def with_heartbeat(
    ctx: PipelineContext, restore_id: uuid.UUID, progress: RestoreProgress, work: Awaitable[T]
) -> T:
    """Run `work`, publishing progress every heartbeat; stop it if the restore stops running.

    An operation failed meanwhile (by the reaper, or anyone) must not go on: its work is
    cancelled, which rolls the restore back, and RestoreNotRunning is raised. A Lifeboat
    database hiccup only skips a beat.
    """
    task: asyncio.Future[T] = asyncio.ensure_future(work)

    async def beat_forever() -> None:
        while True:
            try:
                await lifecycle.beat(ctx.sessions, restore_id, progress.as_json())
            except RestoreNotRunning:
                raise
            except Exception as error:
                logger.warning("restore %s: heartbeat not recorded: %s", restore_id, error)
            await asyncio.sleep(ctx.settings.heartbeat_seconds)

    beater = asyncio.create_task(beat_forever())
    try:
        waiting: set[asyncio.Future[Any]] = {task, beater}
        done, _ = await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
        if task in done:
            return task.result()
        raise beater.exception() or RestoreNotRunning(str(restore_id))
    finally:
        for pending in (task, beater):
            pending.cancel()
        await asyncio.gather(task, beater, return_exceptions=True)
