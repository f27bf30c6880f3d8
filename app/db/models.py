"""Lifeboat's own tables, all in schema `lifeboat` so they never appear in a backup."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    MetaData,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

SCHEMA = "lifeboat"


class Base(DeclarativeBase):
    metadata = MetaData(schema=SCHEMA)


def _uuid_pk() -> Mapped[uuid.UUID]:
    return mapped_column(
        UUID(as_uuid=True), primary_key=True, server_default=text("gen_random_uuid()")
    )


class AdminUser(Base):
    __tablename__ = "admin_users"
    __table_args__ = (
        CheckConstraint(
            "role IN ('viewer', 'operator', 'admin', 'system')", name="admin_users_role_check"
        ),
    )

    id: Mapped[uuid.UUID] = _uuid_pk()
    email: Mapped[str] = mapped_column(Text, unique=True)
    display_name: Mapped[str | None] = mapped_column(Text)
    # viewer < operator < admin (app/graphql/permissions.py); 'system' is the account schedules
    # act as and can hold no API token.
    role: Mapped[str] = mapped_column(Text, server_default="admin")
    is_active: Mapped[bool] = mapped_column(Boolean, server_default=text("true"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class ApiToken(Base):
    __tablename__ = "api_tokens"

    id: Mapped[uuid.UUID] = _uuid_pk()
    admin_user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("admin_users.id", ondelete="CASCADE"), index=True
    )
    # SHA-256 of the token; the token itself is shown once and never stored.
    token_hash: Mapped[str] = mapped_column(Text, unique=True)
    name: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # NULL: never expires (tokens issued before expiry existed, or `--expires-in never`).
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class SystemBackup(Base):
    __tablename__ = "system_backups"
    __table_args__ = (
        CheckConstraint(
            "backup_type IN ('full', 'partial', 'scheduled')", name="system_backups_backup_type"
        ),
        CheckConstraint(
            "status IN ('creating', 'completed', 'failed')", name="system_backups_status"
        ),
        # Lists page newest first by (created_at, id); a trigger NOTIFYs each change (0008).
        Index("system_backups_created_at_id", "created_at", "id"),
        Index("system_backups_status_created_at_id", "status", "created_at", "id"),
    )

    id: Mapped[uuid.UUID] = _uuid_pk()
    backup_id: Mapped[str] = mapped_column(Text, unique=True)
    created_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("admin_users.id"))
    backup_type: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(Text, server_default="creating")
    file_path: Mapped[str | None] = mapped_column(Text)
    file_size_bytes: Mapped[int | None] = mapped_column(BigInteger)
    tables_included: Mapped[list[str] | None] = mapped_column(JSONB)
    description: Mapped[str | None] = mapped_column(Text)
    metadata_: Mapped[dict[str, Any] | None] = mapped_column("metadata", JSONB)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    error_message: Mapped[str | None] = mapped_column(Text)
    # The worker's progress report, in JobProgress's fields (app/pipelines/progress.py).
    progress: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    # Refreshed by the worker while it works; a stale one means the worker died.
    heartbeat_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Retention never deletes a pinned backup.
    pinned: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    # Set when retention deleted the archive but restore operations still refer to the record.
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # A failed backup whose objects are not yet known to be deleted (storage was away when it
    # failed): the reapers try again until they are.
    discard_pending: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))


class RestoreOperation(Base):
    __tablename__ = "restore_operations"
    __table_args__ = (
        CheckConstraint(
            "status IN ('in_progress', 'completed', 'failed')", name="restore_operations_status"
        ),
        CheckConstraint(
            "schema_mode IN ('current', 'backup')", name="restore_operations_schema_mode"
        ),
        # One running restore per database: the mutation's INSERT fails on a second one.
        Index(
            "restore_operations_one_running_per_database",
            "database_key",
            unique=True,
            postgresql_where=text("status = 'in_progress'"),
        ),
        Index("restore_operations_started_at_id", "started_at", "id"),
    )

    id: Mapped[uuid.UUID] = _uuid_pk()
    backup_id: Mapped[str] = mapped_column(ForeignKey("system_backups.backup_id"))
    initiated_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("admin_users.id"))
    status: Mapped[str] = mapped_column(Text, server_default="in_progress")
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    tables_restored: Mapped[list[str] | None] = mapped_column(JSONB)
    records_count: Mapped[dict[str, int] | None] = mapped_column(JSONB)
    error_log: Mapped[str | None] = mapped_column(Text)
    # The backup taken of the current data before this restore changed anything.
    pre_restore_backup_id: Mapped[str | None] = mapped_column(Text)
    progress: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    heartbeat_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Set by the first worker run; a second run that finds it set knows a worker died.
    worker_started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The database restored into when not the configured target (restoreBackup's targetDatabase).
    target_database: Mapped[str | None] = mapped_column(Text)
    # Server and name of the database restored into (app.restores.targets.database_key).
    database_key: Mapped[str] = mapped_column(Text)
    # 'current': rows into today's definitions; 'backup': the schema rewound too.
    schema_mode: Mapped[str] = mapped_column(Text, server_default="current")
    # The tables asked for (display names), or None for all the backup holds.
    tables_requested: Mapped[list[str] | None] = mapped_column(JSONB)
    # One line per thing not restored as archived (an owner or grantee that does not exist).
    warnings: Mapped[list[str]] = mapped_column(JSONB, server_default=text("'[]'::jsonb"))
    # Lifeboat created target_database for this restore: it is dropped if the restore fails.
    created_database: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
