"""Backup ids that sort by creation time: bk_20261125T020000Z_7f3a9c."""

import secrets
from datetime import UTC, datetime


def new_backup_id(now: datetime | None = None) -> str:
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    return f"bk_{moment:%Y%m%dT%H%M%SZ}_{secrets.token_hex(3)}"
