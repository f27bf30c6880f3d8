"""/healthz, /readyz and /metrics as an operator's probes and Prometheus see them."""

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import delete, select

from app.auth.service import ensure_admin
from app.backups import lifecycle
from app.db.engine import transaction
from app.db.models import RestoreOperation, SystemBackup
from app.drills import lifecycle as drill_lifecycle
from app.drills import repository as drills
from app.drills.lifecycle import ERROR, DrillResult
from app.main import create_app
from app.pipelines.context import PipelineContext
from app.restores.targets import configured_target
from app.settings import Settings, get_settings
from app.storage import keys
from tests.support.automation import RecordingJobs, add_backup, add_schedule

TARGET_KEY = configured_target(get_settings()).key


@pytest.fixture
async def broken_client(settings: Settings, databases: None) -> AsyncIterator[httpx.AsyncClient]:
    """The API with its storage and broker pointing where nothing listens."""
    broken = settings.model_copy(
        update={
            "s3_endpoint": "127.0.0.1:1",
            "broker_url": "redis://127.0.0.1:1/0",
            "health_timeout_seconds": 3.0,
        }
    )
    application = create_app(broken, jobs=RecordingJobs())
    async with application.router.lifespan_context(application):
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://ops.test") as http:
            yield http


async def test_healthz_says_the_process_is_alive(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz")
    assert (response.status_code, response.text) == (200, "ok")


async def test_readyz_is_200_when_database_broker_and_storage_answer(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/readyz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ready"
    assert {name: check["ok"] for name, check in body["checks"].items()} == {
        "database": True,
        "broker": True,
        "storage": True,
        "encryption": True,
    }


async def test_readyz_is_503_and_names_what_is_down(broken_client: httpx.AsyncClient) -> None:
    response = await broken_client.get("/readyz")
    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["database"]["ok"] is True
    assert checks["broker"]["ok"] is False and "Connection" in checks["broker"]["detail"]
    assert checks["storage"]["ok"] is False
    # Alive all the same: liveness does not depend on other services.
    assert (await broken_client.get("/healthz")).status_code == 200


@pytest.fixture
async def ahead_of_all(automation: PipelineContext) -> AsyncIterator[datetime]:
    """A moment later than any other test's backup. The backups a test dates after it (and
    their restores and objects) go when it ends: left there, they would be the newest backup
    in every later test's list, whichever tests ran before it."""
    moment = datetime.now(UTC) + timedelta(days=400)
    yield moment
    dated_ahead = SystemBackup.created_at > moment - timedelta(days=1)
    async with transaction(automation.sessions) as session:
        backup_ids = list(await session.scalars(select(SystemBackup.backup_id).where(dated_ahead)))
        await session.execute(
            delete(RestoreOperation).where(RestoreOperation.backup_id.in_(backup_ids))
        )
        await session.execute(delete(SystemBackup).where(SystemBackup.backup_id.in_(backup_ids)))
    for backup_id in backup_ids:
        automation.archives.delete_prefix(keys.backup_prefix(backup_id))


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


async def test_metrics_are_read_from_the_database(
    client: httpx.AsyncClient, automation: PipelineContext, ahead_of_all: datetime
) -> None:
    before = samples((await client.get("/metrics")).text)
    finished = ahead_of_all
    backup_id = await add_backup(
        automation,
        finished - timedelta(seconds=90),
        backup_type="partial",
        file_size_bytes=12345,
    )
    await add_backup(automation, finished, status="failed", backup_type="partial")
    await add_schedule(automation, name="metrics-nightly", cron="0 2 * * *", next_run_at=finished)
    async with transaction(automation.sessions) as session:  # a restore's end not yet recorded
        admin = await ensure_admin(session, "metrics@test.local")
        session.add(
            RestoreOperation(
                backup_id=backup_id,
                initiated_by=admin.id,
                database_key=TARGET_KEY,
                status="completed",
            )
        )

    response = await client.get("/metrics")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    after = samples(response.text)
    completed = ("lifeboat_backups", (("status", "completed"), ("type", "partial")))
    failed = ("lifeboat_backups", (("status", "failed"), ("type", "partial")))
    assert after[completed] == before.get(completed, 0) + 1
    assert after[failed] == before.get(failed, 0) + 1
    partial = (("type", "partial"),)
    last_success = after[("lifeboat_backup_last_success_timestamp_seconds", partial)]
    assert last_success == (finished - timedelta(seconds=90)).timestamp()
    assert after[("lifeboat_backup_last_size_bytes", partial)] == 12345
    assert after[("lifeboat_backup_last_duration_seconds", partial)] == 0
    stored = ("lifeboat_backup_stored_bytes", partial)
    assert after[stored] == before.get(stored, 0) + 12345
    for status in ("in_progress", "completed", "failed"):
        assert ("lifeboat_restores", (("status", status),)) in after
    schedule = (("schedule", "metrics-nightly"),)
    assert after[("lifeboat_schedule_enabled", schedule)] == 1
    assert after[("lifeboat_schedule_next_run_timestamp_seconds", schedule)] == finished.timestamp()


async def test_jobs_no_worker_started_show_in_metrics_and_readyz_warns_of_old_ones(
    client: httpx.AsyncClient, automation: PipelineContext
) -> None:
    now = datetime.now(UTC)
    waiting = await add_backup(automation, now - timedelta(seconds=30), status="creating")
    late = await add_backup(automation, now - timedelta(minutes=10), status="creating")
    try:
        response = await client.get("/readyz")
        metrics = samples((await client.get("/metrics")).text)
    finally:  # no worker of a later test may take them up
        for backup_id in (waiting, late):
            await lifecycle.fail(automation.sessions, backup_id, "test over")

    # Still ready: the API can serve; the late job is a warning about the workers.
    assert response.status_code == 200
    warnings = response.json()["warnings"]
    assert any(w.startswith(f"backup {late} has waited 6") for w in warnings), warnings
    assert not any(waiting in w for w in warnings)  # under LIFEBOAT_QUEUED_WARN_SECONDS
    assert metrics[("lifeboat_jobs_waiting", (("kind", "backup"),))] >= 2
    assert metrics[("lifeboat_oldest_waiting_job_age_seconds", (("kind", "backup"),))] >= 600
    assert ("lifeboat_jobs_waiting", (("kind", "restore"),)) in metrics


async def test_a_drill_no_worker_started_shows_in_metrics_and_readyz_warns_of_it(
    client: httpx.AsyncClient, automation: PipelineContext
) -> None:
    backup_id = await add_backup(automation, datetime.now(UTC) - timedelta(hours=1))
    async with transaction(automation.sessions) as session:
        admin = await ensure_admin(session, "drills@test.local")
        drill = await drills.insert_running(session, backup_id, admin.id)
        assert drill is not None
        drill.started_at = datetime.now(UTC) - timedelta(minutes=10)
    try:
        response = await client.get("/readyz")
        metrics = samples((await client.get("/metrics")).text)
    finally:  # no worker of a later test may take it up
        await drill_lifecycle.finish(automation.sessions, drill.id, DrillResult(ERROR, "over"))

    assert response.status_code == 200
    [warning] = [w for w in response.json()["warnings"] if str(drill.id) in w]
    assert warning.startswith(f"drill {drill.id} has waited 6")
    assert automation.settings.queue("drills") in warning
    assert "one at a time per drill server" in warning
    assert metrics[("lifeboat_jobs_waiting", (("kind", "drill"),))] >= 1
    assert metrics[("lifeboat_oldest_waiting_job_age_seconds", (("kind", "drill"),))] >= 600
