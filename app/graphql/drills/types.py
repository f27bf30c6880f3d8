"""GraphQL types of restore drills."""

from datetime import datetime
from enum import Enum

import strawberry

from app.db.drill_models import Verification
from app.graphql.progress import JobProgress, StepTime
from app.graphql.scalars import BigInt


@strawberry.enum(
    description="FAILED: the backup is damaged; ERROR: the drill could not run (its soundness "
    "is unknown)."
)
class VerificationStatus(Enum):
    RUNNING = "running"
    PASSED = "passed"
    FAILED = "failed"
    ERROR = "error"


@strawberry.type(
    description="A restore drill: the backup restored into a scratch database on the drill "
    "server, its rows read back and compared with what the backup wrote, the scratch dropped."
)
class BackupVerification:
    status: VerificationStatus
    started_at: datetime = strawberry.field(description="When the drill was asked for.")
    finished_at: datetime | None
    error: str | None = strawberry.field(
        description="FAILED: which table or object is damaged; ERROR: what to fix."
    )
    tables_checked: int | None
    rows_checked: BigInt | None
    step_times: list[StepTime] = strawberry.field(
        description="The seconds each step took, in order; the current one's so far."
    )
    progress: JobProgress | None = strawberry.field(
        description="What the worker is doing (step queued while the drill waits its turn)."
    )

    @classmethod
    def from_row(cls, row: Verification) -> "BackupVerification":
        progress = JobProgress.from_json(row.progress)
        return cls(
            status=VerificationStatus(row.status),
            started_at=row.started_at,
            finished_at=row.finished_at,
            error=row.error,
            tables_checked=row.tables_checked,
            rows_checked=BigInt(row.rows_checked) if row.rows_checked is not None else None,
            step_times=progress.step_times if progress else [],
            progress=progress,
        )
