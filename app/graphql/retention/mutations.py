"""Retention mutations: apply a schedule's policy, expire pre-restore snapshots, pin backups."""

import strawberry

from app.graphql.backups.types import Backup
from app.graphql.context import Context
from app.graphql.ids import parse_uuid
from app.graphql.retention.types import RetentionReport
from app.retention import service


@strawberry.type
class RetentionMutations:
    @strawberry.mutation(
        description="Apply a schedule's retention to the backups it made; with dryRun (the "
        "default) nothing is deleted and the result lists what would go."
    )
    async def apply_retention(
        self, info: strawberry.Info[Context, None], schedule_id: strawberry.ID, dry_run: bool = True
    ) -> RetentionReport:
        state = info.context.state
        report = await service.apply_schedule_retention(
            state.sessions,
            state.archives,
            parse_uuid(schedule_id, "schedule"),
            dry_run,
            actor=info.context.actor,
        )
        return RetentionReport.from_report(report)

    @strawberry.mutation(
        description="Delete pre-restore snapshots older than LIFEBOAT_PRE_RESTORE_RETENTION_DAYS "
        "(the scheduler does it on its own); dryRun (the default) only lists them."
    )
    async def expire_pre_restore_snapshots(
        self, info: strawberry.Info[Context, None], dry_run: bool = True
    ) -> RetentionReport:
        state = info.context.state
        report = await service.expire_pre_restore_snapshots(
            state.sessions,
            state.archives,
            state.settings.pre_restore_retention_days,
            dry_run,
            actor=info.context.actor,
        )
        return RetentionReport.from_report(report)

    @strawberry.mutation(description="Pin a backup: retention never deletes it.")
    async def pin_backup(self, info: strawberry.Info[Context, None], backup_id: str) -> Backup:
        async with info.context.transaction() as session:
            row = await service.set_pinned(session, backup_id, True)
        return Backup.from_row(row)

    @strawberry.mutation(description="Unpin a backup: retention may delete it again.")
    async def unpin_backup(self, info: strawberry.Info[Context, None], backup_id: str) -> Backup:
        async with info.context.transaction() as session:
            row = await service.set_pinned(session, backup_id, False)
        return Backup.from_row(row)
