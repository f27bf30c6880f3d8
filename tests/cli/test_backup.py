"""`lifeboat backup create|list|show` against a running API and worker, as scripts use them."""

import asyncio
import json
import subprocess
from collections.abc import Callable

import asyncpg
import dramatiq
from graphql import build_schema, parse, validate

from app.cli import documents
from tests.cli.api_client import LIFEBOAT, TIMEOUT, cli_env, closed_port, lifeboat
from tests.support.fixture_schema import create_fixture_schema
from tests.support.server import ROOT
from tests.support.worker import WorkerProcess


def test_every_document_the_cli_sends_is_valid_against_the_schema() -> None:
    schema = build_schema((ROOT / "schema.graphql").read_text())
    for name, document in documents.ALL.items():
        assert validate(schema, parse(document)) == [], name


async def test_create_wait_json_prints_the_completed_backup_and_progress_on_stderr(
    live_server: str, admin_token: str, target: asyncpg.Connection, worker: dramatiq.Worker
) -> None:
    await create_fixture_schema(target)

    run = await lifeboat(
        live_server, admin_token, "backup", "create", "--description", "cli", "--wait", "--json"
    )

    assert run.returncode == 0, run.stderr
    backup = run.document
    assert backup["status"] == "COMPLETED" and backup["description"] == "cli"
    assert backup["type"] == "FULL" and backup["progress"]["percent"] == 100
    lines = [line for line in run.stderr.splitlines() if backup["backupId"] in line]
    assert lines and "completed" in lines[-1]  # plain lines: stderr is not a terminal

    shown = await lifeboat(live_server, admin_token, "backup", "show", backup["backupId"], "--json")
    assert shown.returncode == 0 and shown.document["backupId"] == backup["backupId"]
    listed = await lifeboat(
        live_server, admin_token, "backup", "list", "--status", "completed", "--json"
    )
    assert listed.returncode == 0
    assert backup["backupId"] in [item["backupId"] for item in listed.document]
    assert {item["status"] for item in listed.document} == {"COMPLETED"}


async def test_partial_backup_without_wait_returns_at_once(
    live_server: str, admin_token: str, target: asyncpg.Connection
) -> None:
    await target.execute("CREATE TABLE meals (id int)")

    run = await lifeboat(
        live_server, admin_token, "backup", "create", "--partial", "meals", "--json"
    )

    assert run.returncode == 0, run.stderr
    assert run.document["status"] == "CREATING"
    assert run.document["tablesIncluded"] == ["public.meals"]


async def test_the_human_list_is_a_table(live_server: str, admin_token: str) -> None:
    run = await lifeboat(live_server, admin_token, "backup", "list", "--limit", "3")
    assert run.returncode == 0, run.stderr
    assert "backup" in run.stdout.splitlines()[1] and "status" in run.stdout


async def test_an_unknown_table_or_backup_is_refused_with_exit_3(
    live_server: str, admin_token: str, target: asyncpg.Connection
) -> None:
    run = await lifeboat(
        live_server, admin_token, "backup", "create", "--partial", "no_such", "--json"
    )
    assert run.returncode == 3
    assert run.document["error"]["code"] == "BAD_USER_INPUT"

    run = await lifeboat(live_server, admin_token, "backup", "show", "bk_nope", "--json")
    assert (run.returncode, run.document["error"]["code"]) == (3, "NOT_FOUND")


async def test_a_bad_token_exits_3(live_server: str) -> None:
    run = await lifeboat(live_server, "lb_not-a-token", "backup", "list", "--json")
    assert run.returncode == 3
    assert run.document["error"]["code"] == "UNAUTHENTICATED"
    run = await lifeboat(live_server, None, "backup", "list")
    assert run.returncode == 3 and "UNAUTHENTICATED" in run.stderr and run.stdout == ""


async def test_an_unreachable_api_exits_4(admin_token: str) -> None:
    run = await lifeboat(
        f"http://127.0.0.1:{closed_port()}", admin_token, "backup", "list", "--json"
    )
    assert run.returncode == 4
    assert run.document["error"]["code"] == "UNREACHABLE"


async def test_bad_usage_exits_2_with_one_json_document(live_server: str, admin_token: str) -> None:
    run = await lifeboat(live_server, admin_token, "backup", "list", "--status", "nope", "--json")
    assert run.returncode == 2
    assert run.document["error"]["code"] == "BAD_USAGE"
    assert "nope" in run.document["error"]["message"]
    run = await lifeboat(live_server, admin_token, "backup", "create", "--partial")
    assert run.returncode == 2 and run.stdout == ""


async def test_a_backup_that_fails_while_followed_exits_1_with_its_error(
    live_server: str,
    admin_token: str,
    target: asyncpg.Connection,
    worker_processes: Callable[..., WorkerProcess],
) -> None:
    await target.execute("CREATE TABLE meals (id int); INSERT INTO meals VALUES (1)")
    process = await asyncio.create_subprocess_exec(
        str(LIFEBOAT),
        *("backup", "create", "--partial", "meals", "--wait", "--json"),
        env=cli_env(live_server, admin_token),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stderr is not None
    # Accepted and followed while no worker runs; the table goes before a worker takes it.
    first = await asyncio.wait_for(process.stderr.readline(), TIMEOUT)
    assert b"creating" in first, first
    await target.execute("DROP TABLE meals")
    worker_processes()

    out, err = await asyncio.wait_for(process.communicate(), TIMEOUT)

    assert process.returncode == 1, err.decode()
    backup = json.loads(out)
    assert backup["status"] == "FAILED" and "meals" in backup["errorMessage"], backup
