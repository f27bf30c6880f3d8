"""Drill actors, on their own queue: a drill never waits behind a backup or restore, and a
restore never waits behind a drill (DESIGN.md, "Recovery").

Thin and idempotent (brokers deliver at least once): a message for a drill no longer running
does nothing; one for a drill another worker runs, or whose drill server another drill holds,
is retried later, without limit, so drills of one server run one at a time and the others
wait in the queue. A drill whose worker died is settled by the reaper (or by the next
delivery of its message).
"""

import logging

import dramatiq

from app.drills.lifecycle import DrillNotRunning
from app.jobs import UnknownJob
from app.pipelines.drill.loader import new_database_loader
from app.pipelines.drill.outcome import DrillBusy, DrillServerBusy
from app.pipelines.drill.pipeline import run_drill
from app.pipelines.drill.reaper import reap_drills
from app.settings import get_settings
from workers.actors.notifications import verification_finished
from workers.broker import broker
from workers.resources import get_context, run_in_background
from workers.unknown_jobs import dead_letter

__all__ = ["broker", "reap_dead_drills", "verify_backup"]

logger = logging.getLogger("lifeboat.workers.drills")

# Other failures (Lifeboat's own database briefly away) are retried a few times; a drill's
# own failures are its verdict, recorded by the pipeline, and never raise.
MAX_RETRIES = 5
TIME_LIMIT_MS = 24 * 3600 * 1000


def _retry_when(retries: int, error: Exception) -> bool:
    if isinstance(error, DrillBusy | DrillServerBusy):
        return True  # waiting its turn, however long the drills before it take
    return retries < MAX_RETRIES and not isinstance(error, DrillNotRunning | UnknownJob)


@dramatiq.actor(
    queue_name=get_settings().queue("drills"),
    retry_when=_retry_when,
    min_backoff=1_000,
    # A waiting drill looks again at most this often (its server's lock is free by then, or not).
    max_backoff=15_000,
    time_limit=TIME_LIMIT_MS,
)
async def verify_backup(verification_id: str) -> None:
    ctx = get_context()
    try:
        result = await run_drill(ctx, verification_id, new_database_loader(ctx))
    except UnknownJob as unknown:
        await dead_letter(unknown, verify_backup.actor_name, verify_backup.queue_name)
    except DrillNotRunning:
        logger.info("drill %s is not running; nothing to do", verification_id)
        return
    except (DrillBusy, DrillServerBusy) as busy:
        logger.info("drill %s waits: %s", verification_id, busy)
        raise
    logger.info("drill %s: %s", verification_id, result.status)
    await verification_finished(verification_id)


async def reap_dead_drills() -> list[str]:
    """Settle drills whose worker died, drop scratch databases nobody owns; announce them."""
    reaped = await reap_drills(get_context())
    for verification_id in reaped:
        await verification_finished(str(verification_id))
    return [str(verification_id) for verification_id in reaped]


# Every worker settles what a dead worker left running, at start and then periodically.
run_in_background(reap_dead_drills, "reap dead drills")
