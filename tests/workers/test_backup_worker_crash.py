"""A worker SIGKILLed mid-export, then started again (as `make run` does): its backup is
retried or failed, never left `creating`. Settling by a live worker, on both brokers, is in
test_dead_workers.py.

RabbitMQ hands the unacked message to the new worker as soon as it consumes: the backup is
exported again from scratch and completes, unless the new worker's reaper, seeing the lease
free, fails it first (then its objects are deleted).
"""

from collections.abc import Callable, Iterator

import asyncpg
import dramatiq
import pytest

from app.backups.reaper import WORKER_GONE
from app.db.models import SystemBackup
from app.pipelines.context import PipelineContext
from app.settings import Settings
from app.storage import keys
from tests.support.archive import stored_manifest
from tests.support.pipeline import backup_row, create_backup_row
from tests.support.worker import WorkerProcess, wait_for
from workers.broker import create_broker

AMQP_URL = "amqp://guest:guest@127.0.0.1:5672/"
# About 400 MB of COPY text: a few seconds of export, two to create (unlogged: no WAL).
BIG_ROWS = 1_500_000


async def fill_target(target: asyncpg.Connection) -> None:
    await target.execute(
        f"""
        CREATE TABLE public.aa_small AS SELECT generate_series(1, 10) AS id;
        CREATE UNLOGGED TABLE public.big AS
            SELECT i AS id, repeat(md5(i::text), 8) AS filler
              FROM generate_series(1, {BIG_ROWS}) AS i;
        """
    )


async def copying_big_table(target: asyncpg.Connection) -> bool:
    return bool(
        await target.fetchval(
            """
            SELECT count(*) FROM pg_stat_activity
             WHERE application_name = 'lifeboat-export' AND state = 'active'
               AND datname = current_database()
               AND query LIKE 'COPY "public"."big"%'
            """
        )
    )


async def settled(ctx: PipelineContext, backup_id: str) -> SystemBackup | None:
    row = await backup_row(ctx, backup_id)
    return row if row.status != "creating" else None


@pytest.fixture
def rabbitmq(settings: Settings) -> Iterator[dramatiq.Broker]:
    """A RabbitMQ broker on this run's backups queue, deleted afterwards."""
    broker = create_broker(settings.model_copy(update={"broker_url": AMQP_URL}))
    queue = settings.queue("backups")
    broker.declare_queue(queue)
    yield broker
    for name in (queue, f"{queue}.DQ", f"{queue}.XQ"):
        broker.channel.queue_delete(name)
    broker.close()


def send_export(broker: dramatiq.Broker, settings: Settings, backup_id: str) -> None:
    broker.enqueue(
        dramatiq.Message(
            queue_name=settings.queue("backups"),
            actor_name="export_backup",
            args=(backup_id,),
            kwargs={},
            options={},
        )
    )


async def kill_mid_export(
    target: asyncpg.Connection, worker: WorkerProcess, ctx: PipelineContext, backup_id: str
) -> None:
    await wait_for(lambda: copying_big_table(target), timeout=30, message="COPY of big")
    worker.kill()
    assert (await backup_row(ctx, backup_id)).status == "creating"


async def test_worker_killed_mid_export_on_rabbitmq_is_retried_or_failed_by_the_next_worker(
    pipeline_context: PipelineContext,
    target: asyncpg.Connection,
    settings: Settings,
    rabbitmq: dramatiq.Broker,
    worker_processes: Callable[..., WorkerProcess],
) -> None:
    ctx = pipeline_context
    await fill_target(target)
    backup_id = await create_backup_row(ctx, target, "partial", ["aa_small", "big"])
    first = worker_processes(broker_url=AMQP_URL)
    send_export(rabbitmq, settings, backup_id)
    await kill_mid_export(target, first, ctx, backup_id)

    second = worker_processes(broker_url=AMQP_URL)
    row = await wait_for(lambda: settled(ctx, backup_id), timeout=60, message="redelivery")

    stored = {obj.key for obj in ctx.archives.list(keys.backup_prefix(backup_id))}
    if row.status == "completed":
        manifest = stored_manifest(ctx.archives, backup_id)
        assert [t.rows for t in manifest.tables] == [10, BIG_ROWS]
        assert stored == set(manifest.objects()) | {keys.manifest_key(backup_id)}
    else:
        assert row.error_message == WORKER_GONE, second.log()
        await wait_for(lambda: nothing_stored(ctx, backup_id), message="the objects to go")


def nothing_stored(ctx: PipelineContext, backup_id: str) -> bool:
    prefix = keys.backup_prefix(backup_id)
    # Neither objects nor multipart uploads left open by the dead worker (big's parts).
    uploads = ctx.archives.client._list_multipart_uploads(ctx.archives.bucket, prefix=prefix)
    return not ctx.archives.list(prefix) and not uploads.uploads
