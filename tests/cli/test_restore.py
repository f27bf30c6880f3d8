"""`lifeboat restore` against a running API and worker: by code, a failure, an interruption."""

import asyncio
import json
import os
import pty
import signal
import subprocess
from typing import Any

import asyncpg
import dramatiq

from app.pipelines.context import PipelineContext
from tests.cli.api_client import LIFEBOAT, cli_env, lifeboat
from tests.restores.support import clear_running_restores, code_for, completed_backup
from tests.support.archive import damage_table
from tests.support.pipeline import backup_row


async def _backup_to_restore(ctx: PipelineContext, target: asyncpg.Connection) -> str:
    await target.execute("CREATE TABLE meals (id int); INSERT INTO meals VALUES (1), (2), (3)")
    backup_id = await completed_backup(ctx, target)
    await target.execute("DELETE FROM meals")
    await clear_running_restores(ctx.settings.database_url)
    return backup_id


async def test_restore_with_code_and_wait_prints_the_completed_operation(
    live_server: str,
    admin_token: str,
    pipeline_context: PipelineContext,
    target: asyncpg.Connection,
    worker: dramatiq.Worker,
) -> None:
    backup_id = await _backup_to_restore(pipeline_context, target)
    code = code_for(pipeline_context, backup_id)

    run = await lifeboat(
        live_server, admin_token, "restore", backup_id, "--code", code, "--wait", "--json"
    )

    assert run.returncode == 0, run.stderr
    operation = run.document
    assert operation["status"] == "COMPLETED" and operation["backupId"] == backup_id
    assert operation["recordsCount"] == {"public.meals": 3}
    assert operation["progress"]["percent"] == 100
    assert await target.fetchval("SELECT count(*) FROM meals") == 3


async def test_a_wrong_code_is_refused_with_exit_3_and_nothing_restored(
    live_server: str,
    admin_token: str,
    pipeline_context: PipelineContext,
    target: asyncpg.Connection,
) -> None:
    backup_id = await _backup_to_restore(pipeline_context, target)

    run = await lifeboat(live_server, admin_token, "restore", backup_id, "--code", "nope", "--json")

    assert (run.returncode, run.document["error"]["code"]) == (3, "UNAUTHORIZED")
    assert await target.fetchval("SELECT count(*) FROM meals") == 0


async def test_a_failed_restore_exits_1(
    live_server: str,
    admin_token: str,
    pipeline_context: PipelineContext,
    target: asyncpg.Connection,
    worker: dramatiq.Worker,
) -> None:
    backup_id = await _backup_to_restore(pipeline_context, target)
    # Damaged in a way only the load finds (same size, one byte flipped): the API accepts it.
    damage_table(pipeline_context.archives, backup_id)
    code = code_for(pipeline_context, backup_id)

    run = await lifeboat(live_server, admin_token, "restore", backup_id, "--code", code, "--wait")

    assert run.returncode == 1, run.stderr
    assert "FAILED" in run.stdout and "unchanged" in run.stdout


async def test_without_code_and_without_a_terminal_it_is_bad_usage(
    live_server: str, admin_token: str
) -> None:
    run = await lifeboat(live_server, admin_token, "restore", "bk_any", "--json")
    assert (run.returncode, run.document["error"]["code"]) == (2, "BAD_USAGE")


async def test_on_a_terminal_it_shows_the_tables_and_asks_for_the_code(
    live_server: str,
    admin_token: str,
    pipeline_context: PipelineContext,
    target: asyncpg.Connection,
    worker: dramatiq.Worker,
) -> None:
    backup_id = await _backup_to_restore(pipeline_context, target)
    code = code_for(pipeline_context, backup_id)

    screen, status = await asyncio.to_thread(
        _on_a_terminal, live_server, admin_token, ["restore", backup_id, "--wait"], code
    )

    assert status == 0, screen
    assert "public.meals" in screen and code in screen
    assert "rows in the backup" in screen  # the plan: rows now and in the backup
    assert await target.fetchval("SELECT count(*) FROM meals") == 3


def _on_a_terminal(url: str, token: str, args: list[str], answer: str) -> tuple[str, int]:
    """Run the CLI on a pseudo-terminal, type `answer` at its prompt; the screen and status."""
    main, child = pty.openpty()
    process = subprocess.Popen(
        [str(LIFEBOAT), *args],
        env={**cli_env(url, token), "TERM": "xterm"},
        stdin=child,
        stdout=child,
        stderr=child,
        close_fds=True,
    )
    os.close(child)
    screen = b""
    answered = False
    while True:
        try:
            chunk = os.read(main, 4096)
        except OSError:  # the child side closed: the process is done
            break
        if not chunk:
            break
        screen += chunk
        if not answered and b"to restore:" in screen:
            os.write(main, answer.encode() + b"\r")
            answered = True
    os.close(main)
    return screen.decode(errors="replace"), process.wait(60)


async def test_an_interrupted_wait_exits_130_and_the_job_goes_on(
    live_server: str,
    admin_token: str,
    pipeline_context: PipelineContext,
    target: asyncpg.Connection,
) -> None:
    await target.execute("CREATE TABLE meals (id int)")
    # No worker runs: the backup stays queued while the command follows it.
    process = await asyncio.create_subprocess_exec(
        str(LIFEBOAT),
        "backup",
        "create",
        "--wait",
        "--json",
        env=cli_env(live_server, admin_token),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stderr is not None
    line = await asyncio.wait_for(process.stderr.readline(), 60)  # its first state: queued
    assert b"queued" in line, line
    process.send_signal(signal.SIGINT)
    out, _ = await asyncio.wait_for(process.communicate(), 60)

    assert process.returncode == 130
    error: dict[str, Any] = json.loads(out)["error"]
    assert error["code"] == "INTERRUPTED" and "goes on" in error["message"]
    backup_id = line.split()[2].decode()
    assert (await backup_row(pipeline_context, backup_id)).status == "creating"


async def test_restore_plan_prints_what_would_be_replaced_and_changes_nothing(
    live_server: str,
    admin_token: str,
    pipeline_context: PipelineContext,
    target: asyncpg.Connection,
) -> None:
    backup_id = await _backup_to_restore(pipeline_context, target)

    run = await lifeboat(live_server, admin_token, "restore-plan", backup_id, "--json")

    assert run.returncode == 0, run.stderr
    plan = run.document
    assert plan["tablesReplaced"] == [{"name": "public.meals", "rowsNow": 0, "rowsInBackup": 3}]
    assert plan["refusal"] is None and plan["preRestoreSnapshot"] is True
    assert await target.fetchval("SELECT count(*) FROM meals") == 0


async def test_restore_into_another_database_with_the_options(
    live_server: str,
    admin_token: str,
    pipeline_context: PipelineContext,
    target: asyncpg.Connection,
    worker: dramatiq.Worker,
) -> None:
    backup_id = await _backup_to_restore(pipeline_context, target)
    code = code_for(pipeline_context, backup_id)
    other = f"lbtest_cli_{os.getpid()}"
    try:
        run = await lifeboat(
            live_server, admin_token, "restore", backup_id, "--code", code,
            "--target-database", other, "--table", "meals", "--wait", "--json",
        )  # fmt: skip

        assert run.returncode == 0, run.stderr
        assert run.document["targetDatabase"] == other
        assert run.document["recordsCount"] == {"public.meals": 3}
        assert await target.fetchval("SELECT count(*) FROM meals") == 0  # the target untouched
    finally:
        await target.execute(f'DROP DATABASE IF EXISTS "{other}" WITH (FORCE)')


async def test_options_the_api_refuses_exit_3(
    live_server: str,
    admin_token: str,
    pipeline_context: PipelineContext,
    target: asyncpg.Connection,
) -> None:
    backup_id = await _backup_to_restore(pipeline_context, target)
    args = ("restore-plan", backup_id, "--schema", "backup", "--table", "meals", "--json")

    run = await lifeboat(live_server, admin_token, *args)

    assert (run.returncode, run.document["error"]["code"]) == (3, "BAD_USER_INPUT")
