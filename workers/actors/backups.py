"""Backup actors: thin and idempotent; they take ids and call the export pipeline.

Idempotent because brokers deliver at least once: Redis requeues a dead worker's messages
after its heartbeat timeout, RabbitMQ when its connection drops. A message for a backup still
`creating` restarts the export from scratch (the pipeline first deletes what an earlier run
stored); one for a completed or failed backup does nothing; while another worker holds the
backup's lock the message is retried later.
"""

import logging

import dramatiq

from app.backups.lifecycle import BackupNotCreating
from app.backups.reaper import reap_dead_backups
from app.jobs import UnknownJob
from app.pipelines.export.pipeline import ExportFailed, run_export
from app.settings import get_settings
from workers.actors.notifications import backup_finished
from workers.broker import broker
from workers.resources import get_context, run_in_background
from workers.unknown_jobs import dead_letter

__all__ = ["broker", "export_backup"]

logger = logging.getLogger("lifeboat.workers.backups")

# Retries only cover what did not reach the backup's row (its lock held elsewhere, Lifeboat's
# database briefly away); an export failure is already recorded and would fail the same way.
MAX_RETRIES = 5
# Generous: a large database takes long, and a dead worker is found by heartbeats, not this.
TIME_LIMIT_MS = 24 * 3600 * 1000


def _retry_when(retries: int, error: Exception) -> bool:
    return retries < MAX_RETRIES and not isinstance(error, UnknownJob)


@dramatiq.actor(
    queue_name=get_settings().queue("backups"),
    retry_when=_retry_when,
    min_backoff=2_000,
    max_backoff=60_000,
    time_limit=TIME_LIMIT_MS,
)
async def export_backup(backup_id: str) -> None:
    try:
        await run_export(get_context(), backup_id)
    except UnknownJob as unknown:
        await dead_letter(unknown, export_backup.actor_name, export_backup.queue_name)
    except BackupNotCreating:
        logger.info("backup %s is no longer creating; nothing to do", backup_id)
    except ExportFailed as failure:
        logger.warning("backup %s failed: %s", backup_id, failure.message)
    # Completed or failed: webhooks and e-mails hear of it (a repeat announces nothing twice).
    await backup_finished(backup_id)


async def reap_dead_exports() -> list[str]:
    """Fail the backups whose worker died (lease free) or hangs; announce them."""
    ctx = get_context()
    reaped = await reap_dead_backups(
        ctx.sessions,
        ctx.archives,
        ctx.settings.database_url,
        stale_after_seconds=ctx.settings.stale_after_seconds,
        queued_give_up_seconds=ctx.settings.queued_give_up_seconds,
    )
    for backup_id in reaped:
        await backup_finished(backup_id)
    return reaped


# Every worker fails the backups a dead worker left `creating`, at start and then periodically
# (the scheduler does it too, at every tick).
run_in_background(reap_dead_exports, "reap dead exports")
