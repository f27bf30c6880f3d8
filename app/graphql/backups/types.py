"""GraphQL types of backups."""

import uuid
from datetime import datetime
from enum import Enum
from typing import Any, cast

import strawberry
from strawberry.scalars import JSON

from app.db.models import SystemBackup
from app.db.paging import encode_cursor
from app.graphql.admins.types import AdminUser
from app.graphql.context import Context
from app.graphql.drills.types import BackupVerification
from app.graphql.progress import JobProgress
from app.graphql.scalars import BigInt
from app.graphql.stored_json import decoded, stored


@strawberry.enum
class BackupType(Enum):
    FULL = "full"
    PARTIAL = "partial"
    SCHEDULED = "scheduled"


@strawberry.enum
class BackupStatus(Enum):
    CREATING = "creating"
    COMPLETED = "completed"
    FAILED = "failed"


@strawberry.type
class Backup:
    id: strawberry.ID
    backup_id: str
    type: BackupType
    status: BackupStatus
    description: str | None
    size_bytes: BigInt | None
    file_path: str | None
    created_at: datetime
    completed_at: datetime | None
    error_message: str | None
    # The jsonb columns, decoded or as StoredJson (a listing's), read by their fields below.
    tables_json: strawberry.Private[Any]
    metadata_json: strawberry.Private[Any]
    progress_json: strawberry.Private[Any]
    pinned: bool = strawberry.field(description="Retention never deletes a pinned backup.")
    deleted_at: datetime | None = strawberry.field(
        description="When retention deleted the archive (the record stays while restores refer "
        "to it)."
    )
    cursor: str = strawberry.field(
        description="Where this item stands in `backups`: pass it as `before` for the next page."
    )
    created_by_id: strawberry.Private[uuid.UUID]

    @strawberry.field
    async def created_by(self, info: strawberry.Info[Context, None]) -> AdminUser:
        row = await info.context.admins.load(self.created_by_id)
        assert row is not None  # created_by is a NOT NULL foreign key
        return AdminUser.from_row(row)

    @strawberry.field
    def tables_included(self) -> list[str]:
        return list(decoded(self.tables_json) or [])

    @strawberry.field
    def metadata(self) -> JSON | None:
        return cast(JSON, decoded(self.metadata_json))

    @strawberry.field(description="What the worker is doing (null for a record without a report).")
    def progress(self) -> JobProgress | None:
        return JobProgress.from_json(decoded(self.progress_json))

    @strawberry.field(description="The latest restore drill of this backup; null until a first.")
    async def verification(self, info: strawberry.Info[Context, None]) -> BackupVerification | None:
        row = await info.context.verifications.load(self.backup_id)
        return BackupVerification.from_row(row) if row is not None else None

    @classmethod
    def from_row(cls, row: SystemBackup) -> "Backup":
        return cls._make(row, row.tables_included, row.metadata_, row.progress)

    @classmethod
    def from_listing(cls, row: Any) -> "Backup":
        """From repository.list_newest_first's rows: the columns, jsonb ones as text."""
        return cls._make(
            row, stored(row.tables_included), stored(row.metadata), stored(row.progress)
        )

    @classmethod
    def _make(cls, row: Any, tables: Any, metadata: Any, progress: Any) -> "Backup":
        return cls(
            id=strawberry.ID(str(row.id)),
            backup_id=row.backup_id,
            type=BackupType(row.backup_type),
            status=BackupStatus(row.status),
            description=row.description,
            size_bytes=BigInt(row.file_size_bytes) if row.file_size_bytes is not None else None,
            file_path=row.file_path,
            created_at=row.created_at,
            completed_at=row.completed_at,
            error_message=row.error_message,
            tables_json=tables,
            metadata_json=metadata,
            progress_json=progress,
            pinned=row.pinned,
            deleted_at=row.deleted_at,
            cursor=encode_cursor(row.created_at, row.id),
            created_by_id=row.created_by,
        )


@strawberry.input
class CreateBackupInput:
    type: BackupType
    tables: list[str] | None = None
    description: str | None = None
