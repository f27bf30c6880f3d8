"""GraphQL types of retention results."""

import strawberry

from app.graphql.backups.types import Backup
from app.retention.service import RetentionReport as Report


@strawberry.type
class KeptBackup:
    backup: Backup
    reasons: list[str] = strawberry.field(
        description="Why it stays: last, daily, weekly, monthly, newest completed, pinned, "
        "being restored, in progress, recent failure, no retention rule..."
    )


@strawberry.type
class RetentionReport:
    dry_run: bool
    forgotten: list[Backup] = strawberry.field(
        description="Deleted (archive and record), or with dryRun the backups that would be."
    )
    kept: list[KeptBackup]

    @classmethod
    def from_report(cls, report: Report) -> "RetentionReport":
        return cls(
            dry_run=report.dry_run,
            forgotten=[Backup.from_row(row) for row in report.forgotten],
            kept=[KeptBackup(backup=Backup.from_row(row), reasons=why) for row, why in report.kept],
        )
