"""Messages for jobs a worker cannot find: recorded, so /metrics counts them, never just dropped.

Such a message was meant for another Lifeboat: a worker configured with another database
(LIFEBOAT_DATABASE_URL), or stacks sharing a broker's queues (LIFEBOAT_QUEUE_PREFIX), or a
worker left running by a stack that was stopped. The worker logs it as an error, records it
here and moves the message to the dead-letter queue; the job itself, in its own database,
shows as waiting in /readyz and /metrics there.
"""

import os
import socket

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.db.engine import transaction
from app.db.job_models import UnknownJobMessage
from app.db.urls import database_name
from app.jobs import UnknownJob


def explain(unknown: UnknownJob, actor: str, queue: str, database_url: str) -> str:
    """The error a worker logs about such a message."""
    return (
        f"message {actor}({unknown.job_id!r}) from queue {queue} names a {unknown.kind} that is "
        f"not in this worker's database {database_name(database_url)} (LIFEBOAT_DATABASE_URL): "
        "is this worker configured for another Lifeboat, or do two Lifeboats share the broker's "
        "queues (LIFEBOAT_QUEUE_PREFIX)? The message goes to the dead-letter queue."
    )


async def record(
    sessions: async_sessionmaker[AsyncSession], unknown: UnknownJob, actor: str, queue: str
) -> None:
    async with transaction(sessions) as session:
        session.add(
            UnknownJobMessage(
                actor=actor,
                job_id=unknown.job_id,
                queue=queue,
                worker=f"{socket.gethostname()}:{os.getpid()}",
            )
        )


async def counts(session: AsyncSession) -> dict[str, int]:
    """Messages recorded so far, by actor."""
    rows = await session.execute(
        select(UnknownJobMessage.actor, func.count()).group_by(UnknownJobMessage.actor)
    )
    return {actor: count for actor, count in rows}
