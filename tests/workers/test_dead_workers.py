"""A worker SIGKILLed mid-export or mid-restore has its job settled by any live worker at once,
on Redis and on RabbitMQ: PostgreSQL lets go of the dead worker's lease, no heartbeat is waited
out (the heartbeat rule is set to an hour here, so only the lease can settle the job).

The live worker consumes only the notifications queue: the dead worker's message never reaches
it, so what settles the job is its periodic reaper, not a redelivery.
"""

import time
from collections.abc import Awaitable, Callable, Iterator

import asyncpg
import dramatiq
import pytest

from app.backups.reaper import WORKER_GONE
from app.pipelines.context import PipelineContext
from app.pipelines.restore.errors import WORKER_DIED
from app.settings import Settings
from app.storage import keys
from tests.conftest import ADMIN_URL
from tests.restores.scenario import SLOW_TABLE
from tests.restores.support import (
    completed_backup,
    database_state,
    request_restore,
    restore_row,
)
from tests.support.pipeline import backup_row, create_backup_row
from tests.support.worker import WorkerProcess, wait_for
from tests.workers.test_backup_worker_crash import (
    AMQP_URL,
    copying_big_table,
    fill_target,
    nothing_stored,
)
from tests.workers.test_restore_worker import copying_slow_table
from workers.broker import create_broker

BROKERS = {"redis": None, "rabbitmq": AMQP_URL}
# Only the lease may settle the job: the heartbeat rule would take an hour.
LEASE_ONLY = {"LIFEBOAT_STALE_AFTER_SECONDS": "3600", "LIFEBOAT_REAP_INTERVAL_SECONDS": "2"}


@pytest.fixture(params=sorted(BROKERS))
def broker(request: pytest.FixtureRequest, settings: Settings) -> Iterator[dramatiq.Broker]:
    """The broker the test's workers use, with this run's job queues declared; the RabbitMQ
    queues (and the dead worker's message in them) are deleted afterwards."""
    url = BROKERS[request.param] or settings.broker_url
    made = create_broker(settings.model_copy(update={"broker_url": url}))
    queues = [settings.queue("backups"), settings.queue("restores")]
    for queue in queues:
        made.declare_queue(queue)
    yield made
    if url.startswith("amqp"):
        for queue in queues:
            for name in (queue, f"{queue}.DQ", f"{queue}.XQ"):
                made.channel.queue_delete(name)
    made.close()


def send(broker: dramatiq.Broker, queue: str, actor: str, job_id: str) -> None:
    message = dramatiq.Message(
        queue_name=queue, actor_name=actor, args=(job_id,), kwargs={}, options={}
    )
    broker.enqueue(message)


def broker_url(broker: dramatiq.Broker, settings: Settings) -> str:
    return AMQP_URL if "Rabbitmq" in type(broker).__name__ else settings.broker_url


def start_victim_and_bystander(
    start: Callable[..., WorkerProcess], url: str, settings: Settings
) -> tuple[WorkerProcess, WorkerProcess]:
    """The worker about to be killed, and a live one that only delivers notifications."""
    bystander = start(broker_url=url, env=LEASE_ONLY, queues={settings.queue("notifications")})
    return start(broker_url=url, env=LEASE_ONLY), bystander


async def backends_now(settings: Settings) -> str:
    """Every backend on this run's databases (the dead worker's, if still there, and what a
    live worker's reaper may wait on), one a line."""
    names = [url.rsplit("/", 1)[1] for url in (settings.database_url, settings.target_database_url)]
    admin = await asyncpg.connect(ADMIN_URL)
    try:
        rows = await admin.fetch(
            "SELECT pid, datname, application_name, state, wait_event_type, wait_event,"
            " now() - backend_start AS age, left(query, 120) AS query FROM pg_stat_activity"
            " WHERE datname = ANY($1::text[]) AND pid <> pg_backend_pid() ORDER BY backend_start",
            names,
        )
    finally:
        await admin.close()
    return "\n".join(" | ".join(str(value) for value in row.values()) for row in rows)


async def kill_and_wait(
    workers: tuple[WorkerProcess, WorkerProcess],
    settled: Callable[[], Awaitable[bool]],
    what: str,
    settings: Settings,
) -> None:
    """SIGKILL the victim; wait for a live worker to settle its job; say how long it took."""
    victim, bystander = workers
    victim.kill()
    killed_at = time.monotonic()
    # The bound: a dead worker's job is settled within 30 s (measured: 0.2-2.3 s
    # alone; once over 30 s for a restore on Redis in a full run on a loaded machine, cause
    # unknown, not reproduced in 5 runs beside two CPU hogs: 1.6-1.8 s each; if it happens
    # again, the live worker's log and the backends then, the dead worker's included if it
    # still had one, tell whether the reaper was slow or the dead worker's backend lingered).
    try:
        await wait_for(settled, timeout=30, message=f"a live worker to settle the {what}")
    except AssertionError as error:
        raise AssertionError(
            f"{error}; the live worker's log:\n{bystander.log()}\n"
            f"the backends now:\n{await backends_now(settings)}"
        ) from None
    print(f"{what} settled {time.monotonic() - killed_at:.1f} s after the kill")


async def test_a_worker_killed_mid_export_is_settled_by_a_live_worker_at_once(
    pipeline_context: PipelineContext,
    target: asyncpg.Connection,
    settings: Settings,
    broker: dramatiq.Broker,
    worker_processes: Callable[..., WorkerProcess],
) -> None:
    ctx = pipeline_context
    await fill_target(target)
    backup_id = await create_backup_row(ctx, target, "partial", ["aa_small", "big"])
    workers = start_victim_and_bystander(worker_processes, broker_url(broker, settings), settings)
    send(broker, settings.queue("backups"), "export_backup", backup_id)
    await wait_for(lambda: copying_big_table(target), timeout=60, message="COPY of big")
    assert ctx.archives.exists(keys.table_key(backup_id, 0))  # aa_small's object, complete

    async def settled() -> bool:
        return (await backup_row(ctx, backup_id)).status != "creating"

    await kill_and_wait(workers, settled, "export", settings)
    row = await backup_row(ctx, backup_id)
    assert (row.status, row.error_message) == ("failed", WORKER_GONE)
    # Its objects, and the multipart upload the dead worker left open, are gone.
    await wait_for(lambda: nothing_stored(ctx, backup_id), message="the objects to go")


async def test_a_worker_killed_mid_restore_is_settled_by_a_live_worker_at_once(
    pipeline_context: PipelineContext,
    target: asyncpg.Connection,
    settings: Settings,
    broker: dramatiq.Broker,
    worker_processes: Callable[..., WorkerProcess],
) -> None:
    ctx = pipeline_context
    await target.execute(SLOW_TABLE)
    backup_id = await completed_backup(ctx, target)
    await target.execute("UPDATE public.slow SET note = 'after the backup'")
    before = await database_state(target)
    restore_id = await request_restore(ctx, backup_id)
    workers = start_victim_and_bystander(worker_processes, broker_url(broker, settings), settings)
    send(broker, settings.queue("restores"), "restore_backup", restore_id)
    await wait_for(lambda: copying_slow_table(target), timeout=60, message="the load")

    async def settled() -> bool:
        return (await restore_row(ctx, restore_id)).status != "in_progress"

    await kill_and_wait(workers, settled, "restore", settings)
    row = await restore_row(ctx, restore_id)
    assert (row.status, row.error_log) == ("failed", WORKER_DIED)
    assert await database_state(target) == before
