"""What workers record about the messages they receive (see app/jobs/unknown.py)."""

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, Identity, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from app.db.models import Base


class UnknownJobMessage(Base):
    """A message naming a backup or restore the receiving worker's database does not hold."""

    __tablename__ = "unknown_job_messages"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    received_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    actor: Mapped[str] = mapped_column(Text)  # export_backup, restore_backup
    job_id: Mapped[str] = mapped_column(Text)
    queue: Mapped[str] = mapped_column(Text)
    worker: Mapped[str] = mapped_column(Text)  # host:pid
