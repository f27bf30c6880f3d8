"""The audit trail's table: rows are only ever added (and deleted once past retention)."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, DateTime, Identity, Integer, Text, text
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from app.db.models import Base


class AuditEvent(Base):
    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(BigInteger, Identity(always=True), primary_key=True)
    # clock_timestamp(), not now(): rows of one transaction keep the order they were written in.
    at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=text("clock_timestamp()")
    )
    # admin (a token's account), system (the scheduler), cli (a `lifeboat` command on a host),
    # anonymous (a request that failed authentication).
    actor: Mapped[str] = mapped_column(Text)
    # Copied, not referenced: the trail outlives changes to accounts and tokens.
    admin_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    admin_email: Mapped[str | None] = mapped_column(Text)
    token_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    # The caller's IP address; for cli rows the OS user and host that ran the command.
    client_address: Mapped[str | None] = mapped_column(Text)
    action: Mapped[str] = mapped_column(Text)
    # Secrets already redacted (app/audit/redact.py).
    arguments: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    # "ok" or the error code.
    outcome: Mapped[str] = mapped_column(Text)
    # Failed authentications are one row per client address and minute: how many there were,
    # and the minute (window_start) that row counts.
    count: Mapped[int] = mapped_column(Integer, server_default=text("1"))
    window_start: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
