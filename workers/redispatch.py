"""Jobs whose message the broker lost are sent again: a job requested is never silently dropped.

Redis keeps its queues in memory; restarted without persistence (as on this project's CI
machine) it forgets every message it held. Every worker therefore looks, at start and then
every LIFEBOAT_REAP_INTERVAL_SECONDS, for backups, restores and drills no worker has started,
requested more than LIFEBOAT_REDISPATCH_AFTER_SECONDS ago, whose message is nowhere in Redis
(not queued, not delayed for a retry, not held by a worker), and sends them again. RabbitMQ
keeps Dramatiq's durable queues of persistent messages across restarts, and cannot be searched
without taking messages off them: it is not asked. A message sent twice is harmless: the actors
are idempotent.
"""

import asyncio
import logging
from datetime import timedelta
from typing import cast

import dramatiq
from dramatiq.brokers.redis import RedisBroker
from dramatiq.common import dq_name
from sqlalchemy import text

from app.jobs.waiting import WaitingJob, waiting_jobs
from workers.actors.backups import export_backup
from workers.actors.drills import verify_backup
from workers.actors.restores import restore_backup
from workers.broker import broker
from workers.resources import get_context, run_in_background

logger = logging.getLogger("lifeboat.workers")

ACTORS: dict[str, dramatiq.Actor] = {
    "backup": export_backup,
    "restore": restore_backup,
    "drill": verify_backup,  # one waiting for its server is held, delayed for its retry
}


async def redispatch_lost_jobs() -> list[WaitingJob]:
    """Send again the waiting jobs Redis no longer holds a message for; returns them."""
    if not isinstance(broker, RedisBroker):
        return []
    ctx = get_context()
    async with ctx.sessions() as session:
        now = await session.scalar(text("SELECT now()"))
        after = timedelta(seconds=ctx.settings.redispatch_after_seconds)
        waiting = await waiting_jobs(session, now - after)
    if not waiting:
        return []
    held = await asyncio.to_thread(jobs_in_redis, broker)
    lost = [job for job in waiting if (job.kind, job.job_id) not in held]
    for job in lost:
        logger.warning(
            "%s %s waits for a worker but the broker holds no message for it (was Redis "
            "restarted?): sending it again",
            job.kind,
            job.job_id,
        )
        ACTORS[job.kind].send(job.job_id)
    return lost


def jobs_in_redis(redis_broker: RedisBroker) -> set[tuple[str, str]]:
    """(kind, job id) of every job message Redis holds: queued, delayed, or being worked on.

    Dramatiq keeps each message's body in the hash `<namespace>:<queue>.msgs` from the moment
    it is sent until a worker acknowledges it (a delayed one under the queue's `.DQ`).
    """
    held: set[tuple[str, str]] = set()
    for kind, actor in ACTORS.items():
        for queue in (actor.queue_name, dq_name(actor.queue_name)):
            key = f"{redis_broker.namespace}:{queue}.msgs"
            for body in redis_broker.client.hvals(key):
                message = dramatiq.Message.decode(cast(bytes, body))  # Dramatiq's client: bytes
                if message.actor_name == actor.actor_name and message.args:
                    held.add((kind, str(message.args[0])))
    return held


run_in_background(redispatch_lost_jobs, "send again the jobs the broker lost")
