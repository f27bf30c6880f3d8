"""Restore actors: thin and idempotent; they take ids and call the restore pipeline."""

import dramatiq

from app.settings import get_settings
from workers.broker import broker

__all__ = ["broker", "restore_backup"]


@dramatiq.actor(queue_name=get_settings().queue("restores"), max_retries=0)
async def restore_backup(restore_id: str) -> None:
    raise NotImplementedError("the restore pipeline is being written")
