"""`lifeboat verify ID [--wait] [--json]` against a running API and worker: a drill's outcome
is the exit status (0 PASSED, 1 FAILED or ERROR), the backup with its verification on stdout."""

import asyncpg
import dramatiq
import pytest

from app.pipelines.context import PipelineContext
from app.settings import Settings
from tests.cli.api_client import closed_port, lifeboat
from tests.conftest import make_admin
from tests.restores.support import completed_backup
from tests.support.archive import damage_table


async def _backup(ctx: PipelineContext, target: asyncpg.Connection) -> str:
    await target.execute(
        "CREATE TABLE meals (id int PRIMARY KEY); INSERT INTO meals SELECT generate_series(1, 50)"
    )
    return await completed_backup(ctx, target, "partial", ["meals"])


async def test_verify_wait_json_prints_the_passed_drill_and_exits_0(
    live_server: str,
    admin_token: str,
    pipeline_context: PipelineContext,
    target: asyncpg.Connection,
    worker: dramatiq.Worker,
) -> None:
    backup_id = await _backup(pipeline_context, target)

    run = await lifeboat(live_server, admin_token, "verify", backup_id, "--wait", "--json")

    assert run.returncode == 0, run.stderr
    drill = run.document["verification"]
    assert run.document["backupId"] == backup_id
    assert drill["status"] == "PASSED" and drill["finishedAt"] and drill["error"] is None
    assert drill["tablesChecked"] == 1 and drill["rowsChecked"] == 50
    assert "drill of" in run.stderr  # plain progress lines: stderr is not a terminal

    shown = await lifeboat(live_server, admin_token, "backup", "show", backup_id)
    assert "verified" in shown.stdout and "PASSED" in shown.stdout, shown.stdout
    listed = await lifeboat(live_server, admin_token, "backup", "list", "--limit", "1")
    assert "verified" in listed.stdout and "PASSED" in listed.stdout, listed.stdout


async def test_a_damaged_backup_fails_its_drill_with_exit_1(
    live_server: str,
    admin_token: str,
    pipeline_context: PipelineContext,
    target: asyncpg.Connection,
    worker: dramatiq.Worker,
) -> None:
    backup_id = await _backup(pipeline_context, target)
    damage_table(pipeline_context.archives, backup_id)

    run = await lifeboat(live_server, admin_token, "verify", backup_id, "--wait")

    assert run.returncode == 1, run.stdout + run.stderr
    assert "FAILED" in run.stdout and "meals" in run.stdout, run.stdout


async def test_without_wait_it_returns_the_running_drill_at_once(
    live_server: str,
    admin_token: str,
    automation: PipelineContext,
    target: asyncpg.Connection,
) -> None:
    # No worker: the drill stays queued (`automation` deletes its row after, so no RUNNING drill
    # is left for later tests).
    backup_id = await _backup(automation, target)

    run = await lifeboat(live_server, admin_token, "verify", backup_id, "--json")

    assert run.returncode == 0, run.stderr
    assert run.document["verification"]["status"] == "RUNNING"


async def test_refusals_exit_3(live_server: str, admin_token: str) -> None:
    run = await lifeboat(live_server, admin_token, "verify", "bk_nope", "--json")
    assert (run.returncode, run.document["error"]["code"]) == (3, "NOT_FOUND")

    _, viewer = await make_admin(role="viewer")
    run = await lifeboat(live_server, viewer, "verify", "bk_nope", "--json")
    assert (run.returncode, run.document["error"]["code"]) == (3, "FORBIDDEN")
    assert "operator" in run.document["error"]["message"]


async def test_a_drill_that_cannot_run_is_an_error_and_exits_1_too(
    live_server: str,
    admin_token: str,
    pipeline_context: PipelineContext,
    target: asyncpg.Connection,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    worker: dramatiq.Worker,
) -> None:
    backup_id = await _backup(pipeline_context, target)
    # The drill server is unreachable (the in-process worker shares this settings object).
    monkeypatch.setattr(
        settings, "drill_database_url", f"postgresql://root@127.0.0.1:{closed_port()}/postgres"
    )

    run = await lifeboat(live_server, admin_token, "verify", backup_id, "--wait", "--json")

    assert run.returncode == 1, run.stderr
    drill = run.document["verification"]
    assert drill["status"] == "ERROR" and drill["error"], drill
