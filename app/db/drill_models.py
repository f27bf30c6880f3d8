"""Restore drills: each one proves (or disproves) that a backup restores, in a scratch database."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, DateTime, ForeignKey, Integer, Text, func, text
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from app.db.models import Base

VERIFICATION_STATUSES = ("running", "passed", "failed", "error")


class Verification(Base):
    """One drill of one backup; the newest per backup is what `Backup.verification` shows."""

    __tablename__ = "verifications"

    id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), primary_key=True, server_default=text("gen_random_uuid()")
    )
    backup_id: Mapped[str] = mapped_column(
        ForeignKey("system_backups.backup_id", ondelete="CASCADE")
    )
    requested_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("admin_users.id"))
    # running (queued or drilling), passed, failed (the backup is damaged), error (could not run)
    status: Mapped[str] = mapped_column(Text, server_default="running")
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    # Set when a worker takes the drill up; a running drill without it is still queued.
    worker_started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    error: Mapped[str | None] = mapped_column(Text)
    tables_checked: Mapped[int | None] = mapped_column(Integer)
    rows_checked: Mapped[int | None] = mapped_column(BigInteger)
    # Where the scratch database lives (host:port) and its name, so the reaper can drop it.
    drill_server: Mapped[str | None] = mapped_column(Text)
    scratch_database: Mapped[str | None] = mapped_column(Text)
    progress: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    heartbeat_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
