"""GraphQL types of restore operations."""

import uuid
from datetime import datetime
from enum import Enum
from typing import Any, cast

import strawberry
from strawberry.scalars import JSON

from app.db.models import RestoreOperation as RestoreRow
from app.db.models import SystemBackup
from app.db.paging import encode_cursor
from app.graphql.admins.types import AdminUser
from app.graphql.backups.types import Backup
from app.graphql.context import Context
from app.graphql.progress import JobProgress
from app.graphql.scalars import BigInt
from app.pipelines.restore.options import RestoreOptions
from app.restores.planning import PlanReport


@strawberry.enum
class RestoreStatus(Enum):
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    FAILED = "failed"


@strawberry.enum(description="What a restore does with the schema.")
class RestoreSchema(Enum):
    CURRENT = strawberry.enum_value(
        "current",
        description="Rows go into today's definitions: columns matched by name, missing tables "
        "(and what they need) created from the archive.",
    )
    BACKUP = strawberry.enum_value(
        "backup", description="The backed-up schemas are rewound to the backup's, then loaded."
    )


@strawberry.type
class RestoreOperation:
    id: strawberry.ID
    backup_id: str
    backup: Backup = strawberry.field(description="The backup being (or that was) restored.")
    status: RestoreStatus
    started_at: datetime
    completed_at: datetime | None
    tables_restored: list[str] | None
    records_count: JSON | None = strawberry.field(
        description="Rows restored per table (schema.table → rows)."
    )
    error_log: str | None
    # The worker's report as stored; JobProgress is built only when a query selects it.
    progress_report: strawberry.Private[dict[str, Any] | None]
    pre_restore_backup_id: str | None = strawberry.field(
        description="The backup of the data as it was before this restore; restoring it undoes "
        "the restore."
    )
    target_database: str | None = strawberry.field(
        description="The database restored into, or null for the configured target."
    )
    schema: RestoreSchema
    warnings: list[str] = strawberry.field(
        description="One line per thing not restored as archived (an owner or grantee role "
        "that does not exist, …)."
    )
    cursor: str = strawberry.field(
        description="Where this item stands in `restoreOperations`: pass it as `before` for "
        "the next page."
    )
    initiated_by_id: strawberry.Private[uuid.UUID]

    @strawberry.field
    async def initiated_by(self, info: strawberry.Info[Context, None]) -> AdminUser:
        row = await info.context.admins.load(self.initiated_by_id)
        assert row is not None  # initiated_by is a NOT NULL foreign key
        return AdminUser.from_row(row)

    @strawberry.field(description="What the worker is doing (null for a record without a report).")
    def progress(self) -> JobProgress | None:
        return JobProgress.from_json(self.progress_report)

    @classmethod
    def from_row(cls, row: RestoreRow, backup: SystemBackup) -> "RestoreOperation":
        return cls(
            id=strawberry.ID(str(row.id)),
            backup_id=row.backup_id,
            backup=Backup.from_row(backup),
            status=RestoreStatus(row.status),
            started_at=row.started_at,
            completed_at=row.completed_at,
            tables_restored=list(row.tables_restored) if row.tables_restored is not None else None,
            records_count=cast(JSON, row.records_count),
            error_log=row.error_log,
            progress_report=row.progress,
            pre_restore_backup_id=row.pre_restore_backup_id,
            target_database=row.target_database,
            schema=RestoreSchema(row.schema_mode),
            warnings=list(row.warnings or []),
            cursor=encode_cursor(row.started_at, row.id),
            initiated_by_id=row.initiated_by,
        )


@strawberry.input
class RestoreBackupInput:
    backup_id: str
    confirmation_code: str
    schema: RestoreSchema = strawberry.field(
        default=RestoreSchema.CURRENT,
        description="CURRENT: rows into today's definitions; BACKUP (FULL or SCHEDULED backups, "
        "without `tables`): rewind the schema too.",
    )
    target_database: str | None = strawberry.field(
        default=None,
        description="Another database on the target's server, new or empty; null restores the "
        "configured target.",
    )
    tables: list[str] | None = strawberry.field(
        default=None,
        description="Only these tables of the backup (any backup type); null restores all it "
        "holds. Uploads are restored only when null.",
    )

    def options(self) -> RestoreOptions:
        tables = tuple(self.tables) if self.tables is not None else None
        # strawberry.enum_value leaves the member's value the plain string at run time.
        return RestoreOptions(cast(str, self.schema.value), tables, self.target_database)


@strawberry.type
class PlannedTable:
    name: str
    rows_now: BigInt = strawberry.field(description="Rows it holds now.")
    rows_in_backup: BigInt


@strawberry.type(description="What restoreBackup with the same input would do; nothing changes.")
class RestorePlan:
    tables_replaced: list[PlannedTable] = strawberry.field(
        description="Tables there now whose rows (under BACKUP: definition too) are replaced."
    )
    tables_created: list[str] = strawberry.field(
        description="Tables the database does not have now, created from the archive."
    )
    columns_added: list[str] = strawberry.field(
        description="Columns of replaced tables that the backup lacks (schema.table.column): "
        "CURRENT fills them with their defaults, BACKUP drops them."
    )
    columns_lost: list[str] = strawberry.field(
        description="Columns the backup holds that the tables no longer have: CURRENT refuses, "
        "BACKUP brings them back."
    )
    objects_dropped: list[str] = strawberry.field(
        description="Objects BACKUP drops for good: created since the backup."
    )
    uploads_replaced: bool
    pre_restore_snapshot: bool
    warnings: list[str]
    refusal: str | None = strawberry.field(
        description="Why restoreBackup would be refused now, or null."
    )

    @classmethod
    def from_report(cls, report: PlanReport) -> "RestorePlan":
        return cls(
            tables_replaced=[
                PlannedTable(
                    name=row.name,
                    rows_now=BigInt(row.rows_now),
                    rows_in_backup=BigInt(row.rows_in_backup),
                )
                for row in report.tables_replaced
            ],
            tables_created=report.tables_created,
            columns_added=report.columns_added,
            columns_lost=report.columns_lost,
            objects_dropped=report.objects_dropped,
            uploads_replaced=report.uploads_replaced,
            pre_restore_snapshot=report.pre_restore_snapshot,
            warnings=report.warnings,
            refusal=report.refusal,
        )
