"""Backup mutations."""

import strawberry

from app.backups import service
from app.errors import BadUserInput
from app.graphql.backups.types import Backup, BackupType, CreateBackupInput
from app.graphql.context import Context
from app.jobs.dispatch import send_job


@strawberry.type
class BackupMutations:
    @strawberry.mutation(description="Start a backup; returns at once with status CREATING.")
    async def create_backup(
        self, info: strawberry.Info[Context, None], input: CreateBackupInput
    ) -> Backup:
        if input.type is BackupType.SCHEDULED:
            raise BadUserInput("SCHEDULED backups are made by schedules, not requested directly")
        state = info.context.state
        admin = info.context.current_admin
        async with state.target_pool.acquire() as target, info.context.transaction() as session:
            row = await service.create_backup(
                session, target, admin, input.type.value, input.tables, input.description
            )
        # Only now is the row committed, so the worker is sure to find it. A broker that does
        # not take the message fails the job and the request (SERVICE_UNAVAILABLE).
        await send_job(state, "backup", row.backup_id)
        return Backup.from_row(row)
