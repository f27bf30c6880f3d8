"""Tables of automated backups: schedules and their runs, webhooks, notification deliveries."""

import uuid
from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, Text, func, text
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from app.db.models import Base


def _uuid_pk() -> Mapped[uuid.UUID]:
    return mapped_column(
        UUID(as_uuid=True), primary_key=True, server_default=text("gen_random_uuid()")
    )


def _now() -> Mapped[datetime]:
    return mapped_column(DateTime(timezone=True), server_default=func.now())


class Schedule(Base):
    __tablename__ = "schedules"

    id: Mapped[uuid.UUID] = _uuid_pk()
    name: Mapped[str] = mapped_column(Text, unique=True)
    cron: Mapped[str] = mapped_column(Text)
    timezone: Mapped[str] = mapped_column(Text, server_default="UTC")
    backup_type: Mapped[str] = mapped_column(Text)
    # Requested table names of a partial schedule, as the admin wrote them.
    tables: Mapped[list[str] | None] = mapped_column(JSONB)
    description: Mapped[str | None] = mapped_column(Text)
    # Retention (restic's forget): NULL or 0 means the rule is off; all off keeps everything.
    keep_last: Mapped[int | None] = mapped_column(Integer)
    keep_daily: Mapped[int | None] = mapped_column(Integer)
    keep_weekly: Mapped[int | None] = mapped_column(Integer)
    keep_monthly: Mapped[int | None] = mapped_column(Integer)
    enabled: Mapped[bool] = mapped_column(Boolean, server_default=text("true"))
    # Drill each backup it makes once completed; retention then waits for the drills.
    verify: Mapped[bool] = mapped_column(Boolean, server_default=text("true"))
    # The next due time (UTC); firing claims it by moving it forward atomically.
    next_run_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_fired_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_backup_id: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = _now()
    updated_at: Mapped[datetime] = _now()


class ScheduleRun(Base):
    """One firing of a schedule; its primary key makes a due time fire at most once."""

    __tablename__ = "schedule_runs"

    schedule_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("schedules.id", ondelete="CASCADE"), primary_key=True
    )
    due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), primary_key=True)
    fired_at: Mapped[datetime] = _now()
    backup_id: Mapped[str | None] = mapped_column(Text)
    retention_applied_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Webhook(Base):
    __tablename__ = "webhooks"

    id: Mapped[uuid.UUID] = _uuid_pk()
    url: Mapped[str] = mapped_column(Text)
    # Sealed under the encryption key whose id is secret_key_id (app/notifications/secrets.py);
    # stored as it is only while encryption is off (secret_key_id NULL).
    secret: Mapped[str] = mapped_column(Text)
    secret_key_id: Mapped[str | None] = mapped_column(Text)
    events: Mapped[list[str]] = mapped_column(JSONB)
    enabled: Mapped[bool] = mapped_column(Boolean, server_default=text("true"))
    description: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = _now()


class NotificationDelivery(Base):
    """One event to one destination; unique per (event, subject, channel, destination)."""

    __tablename__ = "notification_deliveries"

    id: Mapped[uuid.UUID] = _uuid_pk()
    event: Mapped[str] = mapped_column(Text)
    # The backup id or restore operation id the event is about.
    subject_id: Mapped[str] = mapped_column(Text)
    channel: Mapped[str] = mapped_column(Text)
    destination: Mapped[str] = mapped_column(Text)
    webhook_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("webhooks.id", ondelete="SET NULL")
    )
    # The exact bytes sent (and signed), identical on every retry.
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(Text, server_default="pending")
    attempts: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = _now()
    last_attempt_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
