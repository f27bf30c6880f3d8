"""Restore actors: thin and idempotent; they take ids and call the restore pipeline.

Idempotent because brokers deliver at least once. A message for a restore no longer
`in_progress` does nothing. One for a restore a dead worker had started settles it from the
target itself (the pipeline's marker): completed if it had committed, else failed with the
database unchanged; a restore is never applied twice. While another worker holds the
restore, the message is retried later.
"""

import logging

import dramatiq

from app.jobs import UnknownJob
from app.pipelines.restore.pipeline import (
    RestoreBusy,
    RestoreFailed,
    RestoreNotRunning,
    run_restore,
)
from app.pipelines.restore.reaper import reap_stale_restores
from app.settings import get_settings
from workers.actors.notifications import restore_finished
from workers.broker import broker
from workers.resources import get_context, run_in_background
from workers.unknown_jobs import dead_letter

__all__ = ["broker", "reap_dead_restores", "restore_backup"]

logger = logging.getLogger("lifeboat.workers.restores")

# Retries only cover what did not reach the operation's row (another worker holding the
# restore, Lifeboat's database briefly away); a restore failure is recorded and final.
MAX_RETRIES = 5
# Generous: a large database takes long, and a dead worker is found by the reaper.
TIME_LIMIT_MS = 24 * 3600 * 1000


def _retry_when(retries: int, error: Exception) -> bool:
    final = RestoreFailed | RestoreNotRunning | UnknownJob
    return retries < MAX_RETRIES and not isinstance(error, final)


@dramatiq.actor(
    queue_name=get_settings().queue("restores"),
    retry_when=_retry_when,
    min_backoff=2_000,
    max_backoff=60_000,
    time_limit=TIME_LIMIT_MS,
)
async def restore_backup(restore_id: str) -> None:
    try:
        await run_restore(get_context(), restore_id)
    except UnknownJob as unknown:
        await dead_letter(unknown, restore_backup.actor_name, restore_backup.queue_name)
    except RestoreNotRunning:
        logger.info("restore %s is not in progress; nothing to do", restore_id)
        return
    except RestoreBusy:
        logger.info("restore %s is held by another worker; retrying later", restore_id)
        raise
    except RestoreFailed as failure:
        logger.warning("restore %s failed: %s", restore_id, failure.message)
    # Completed or failed: webhooks and e-mails hear of it (a repeat announces nothing twice).
    await restore_finished(restore_id)


async def reap_dead_restores() -> list[str]:
    """Settle the restores whose worker died (for the scheduler); returns their ids."""
    reaped = await reap_stale_restores(get_context())
    for restore_id in reaped:
        await restore_finished(restore_id)
    return reaped


# Every worker settles what a dead worker left `in_progress`, at start and then periodically.
run_in_background(reap_dead_restores, "reap dead restores")
