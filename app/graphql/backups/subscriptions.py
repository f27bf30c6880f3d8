"""Backup subscriptions: a backup's state as it changes, until it is finished."""

from collections.abc import AsyncGenerator

import strawberry

from app.db.models import SystemBackup
from app.errors import NotFound
from app.graphql.backups.types import Backup
from app.graphql.context import Context
from app.live.jobs import backup_key


@strawberry.type
class BackupSubscriptions:
    @strawberry.subscription(
        description="The backup now, then at each change (progress at most every 0.5 s, every "
        "step, the outcome); completes after its final state (COMPLETED or FAILED). NOT_FOUND "
        "for an unknown id."
    )
    async def backup_progress(
        self, info: strawberry.Info[Context, None], backup_id: str
    ) -> AsyncGenerator[Backup, None]:
        sent: Backup | None = None
        async with info.context.state.live.watch(backup_key(backup_id)) as watch:
            async for row in watch:
                if not isinstance(row, SystemBackup):
                    if sent is None:
                        raise NotFound(f"no backup {backup_id!r}")
                    return  # deleted meanwhile: nothing more will come
                backup = Backup.from_row(row)
                if backup != sent:
                    yield backup
                    sent = backup
                if row.status != "creating":
                    return
