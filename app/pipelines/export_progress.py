"""What a running export reports: progress in system_backups, refreshed with a heartbeat."""

import asyncio
import logging
from collections.abc import Awaitable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from app.backups import lifecycle
from app.pipelines.context import PipelineContext

logger = logging.getLogger("lifeboat.export")

T = TypeVar("T")


@dataclass
class ExportProgress:
    step: str = "starting"
    tables_total: int = 0
    tables_done: int = 0
    bytes_read: int = 0  # uncompressed COPY bytes so far
    current: list[str] = field(default_factory=list)

    def add_bytes(self, count: int) -> None:
        self.bytes_read += count

    def as_json(self) -> dict[str, Any]:
        return {
            "step": self.step,
            "tablesDone": self.tables_done,
            "tablesTotal": self.tables_total,
            "bytes": self.bytes_read,
            "currentTables": sorted(self.current),
        }


async def with_heartbeat(
    ctx: PipelineContext, backup_id: str, progress: ExportProgress, work: Awaitable[T]
) -> T:
    """Run `work`, publishing progress every heartbeat; stop it if the backup stops `creating`.

    A backup failed by the reaper (or anyone) meanwhile must not go on: its work is cancelled
    and BackupNotCreating raised. A Lifeboat database hiccup only skips a beat.
    """
    task: asyncio.Future[T] = asyncio.ensure_future(work)

    async def beat_forever() -> None:
        while True:
            await asyncio.sleep(ctx.settings.heartbeat_seconds)
            try:
                await lifecycle.beat(ctx.sessions, backup_id, progress.as_json())
            except lifecycle.BackupNotCreating:
                raise
            except Exception as error:
                logger.warning("backup %s: heartbeat not recorded: %s", backup_id, error)

    beater = asyncio.create_task(beat_forever())
    try:
        waiting: set[asyncio.Future[Any]] = {task, beater}
        done, _ = await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
        if task in done:
            return task.result()
        # The beater only ends by raising BackupNotCreating.
        raise beater.exception() or lifecycle.BackupNotCreating(backup_id)
    finally:
        for pending in (task, beater):
            pending.cancel()
        await asyncio.gather(task, beater, return_exceptions=True)
