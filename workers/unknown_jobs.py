"""What an actor does with a message for a job its database does not hold: never a silent drop.

It logs an error that says what is probably misconfigured, records the message (counted in
/metrics, app/jobs/unknown.py) and raises, so that Dramatiq moves the message to the queue's
dead-letter queue (the actors never retry UnknownJob).
"""

import logging
from typing import NoReturn

from app.jobs import UnknownJob, unknown
from workers.resources import get_context

logger = logging.getLogger("lifeboat.workers")


async def dead_letter(error: UnknownJob, actor: str, queue: str) -> NoReturn:
    ctx = get_context()
    logger.error(unknown.explain(error, actor, queue, ctx.settings.database_url))
    try:
        await unknown.record(ctx.sessions, error, actor, queue)
    except Exception:
        logger.exception("could not record the message for %s %s", error.kind, error.job_id)
    raise error
