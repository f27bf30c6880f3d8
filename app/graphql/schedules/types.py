"""GraphQL types of schedules and their retention policy."""

from datetime import datetime

import strawberry

from app.db.schedule_models import Schedule as ScheduleRow
from app.graphql.backups.types import BackupType
from app.retention.policy import Policy


@strawberry.type(description="Like restic's forget: 0 turns a rule off; all off keeps everything.")
class RetentionPolicy:
    keep_last: int
    keep_daily: int
    keep_weekly: int
    keep_monthly: int


@strawberry.input
class RetentionPolicyInput:
    keep_last: int = 0
    keep_daily: int = 0
    keep_weekly: int = 0
    keep_monthly: int = 0

    def to_policy(self) -> Policy:
        return Policy(self.keep_last, self.keep_daily, self.keep_weekly, self.keep_monthly)


@strawberry.type
class Schedule:
    id: strawberry.ID
    name: str
    cron: str = strawberry.field(description="5-field cron or a macro such as @daily.")
    timezone: str = strawberry.field(description="IANA time zone the cron is read in.")
    backup_type: BackupType
    tables: list[str] | None
    description: str | None
    retention: RetentionPolicy
    enabled: bool
    verify: bool = strawberry.field(
        description="Each backup this schedule makes is drilled once completed, and retention "
        "keeps only the proven ones in its slots."
    )
    next_run_at: datetime
    last_due_at: datetime | None
    last_fired_at: datetime | None
    last_backup_id: str | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_row(cls, row: ScheduleRow) -> "Schedule":
        return cls(
            id=strawberry.ID(str(row.id)),
            name=row.name,
            cron=row.cron,
            timezone=row.timezone,
            backup_type=BackupType(row.backup_type),
            tables=list(row.tables) if row.tables is not None else None,
            description=row.description,
            retention=RetentionPolicy(
                keep_last=row.keep_last or 0,
                keep_daily=row.keep_daily or 0,
                keep_weekly=row.keep_weekly or 0,
                keep_monthly=row.keep_monthly or 0,
            ),
            enabled=row.enabled,
            verify=row.verify,
            next_run_at=row.next_run_at,
            last_due_at=row.last_due_at,
            last_fired_at=row.last_fired_at,
            last_backup_id=row.last_backup_id,
            created_at=row.created_at,
            updated_at=row.updated_at,
        )


@strawberry.input
class CreateScheduleInput:
    name: str
    cron: str
    timezone: str = "UTC"
    backup_type: BackupType = BackupType.SCHEDULED
    tables: list[str] | None = None
    description: str | None = None
    retention: RetentionPolicyInput | None = None
    enabled: bool = True
    verify: bool = strawberry.field(
        default=True, description="Drill each backup once completed (default true)."
    )


@strawberry.input(description="Only the fields given change.")
class UpdateScheduleInput:
    id: strawberry.ID
    name: str | None = None
    cron: str | None = None
    timezone: str | None = None
    backup_type: BackupType | None = None
    tables: list[str] | None = None
    description: str | None = None
    retention: RetentionPolicyInput | None = None
    enabled: bool | None = None
    verify: bool | None = None
