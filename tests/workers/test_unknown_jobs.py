"""A message for a backup, restore or drill the worker's database does not hold is never dropped in
silence: logged as an error, counted in /metrics, moved to the dead-letter queue."""

import logging
import uuid

import dramatiq
import httpx
import pytest

from app.settings import Settings
from tests.ops.test_ops_endpoints import samples
from tests.support.worker import drain, wait_for


def dead_letters(broker: dramatiq.Broker, queue: str) -> set[str]:
    """The first argument of each message in a Redis queue's dead-letter queue."""
    key = f"{broker.namespace}:{queue}.XQ.msgs"
    bodies = broker.client.hvals(key)
    return {str(dramatiq.Message.decode(body).args[0]) for body in bodies}


async def test_messages_for_unknown_jobs_are_logged_counted_and_dead_lettered(
    client: httpx.AsyncClient,
    worker: dramatiq.Worker,
    settings: Settings,
    caplog: pytest.LogCaptureFixture,
) -> None:
    from workers.actors.backups import export_backup
    from workers.actors.drills import verify_backup
    from workers.actors.restores import restore_backup

    metric = "lifeboat_unknown_job_messages_total"
    before = samples((await client.get("/metrics")).text)
    backup_id, restore_id = "bk_20260101T000000Z_0ther1", str(uuid.uuid4())
    drill_id = str(uuid.uuid4())

    with caplog.at_level(logging.ERROR, logger="lifeboat.workers"):
        export_backup.send(backup_id)
        restore_backup.send(restore_id)
        verify_backup.send(drill_id)
        await drain(worker, settings)

    errors = [r.getMessage() for r in caplog.records if r.name == "lifeboat.workers"]
    assert any(f"export_backup({backup_id!r})" in e and "not in this worker's" in e for e in errors)
    assert any(f"restore_backup({restore_id!r})" in e for e in errors)
    assert any(f"verify_backup({drill_id!r})" in e for e in errors)

    async def counted() -> bool:
        after = samples((await client.get("/metrics")).text)
        return all(
            after[(metric, (("actor", actor),))] == before[(metric, (("actor", actor),))] + 1
            for actor in ("export_backup", "restore_backup", "verify_backup")
        )

    await wait_for(counted, message="the three messages counted")
    assert backup_id in dead_letters(worker.broker, settings.queue("backups"))
    assert restore_id in dead_letters(worker.broker, settings.queue("restores"))
    assert drill_id in dead_letters(worker.broker, settings.queue("drills"))
