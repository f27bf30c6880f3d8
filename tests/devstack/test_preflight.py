"""A missing or refusing service stops `make run` with one line saying which and what to do."""

import asyncio
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from app.devstack import preflight
from tests.devstack.conftest import database_exists

REPO = Path(__file__).resolve().parents[2]


async def run_stack(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "app.devstack.run"]
    return await asyncio.to_thread(
        subprocess.run, command, cwd=REPO, env=env, capture_output=True, text=True, timeout=60
    )


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        ("LIFEBOAT_BROKER_URL", "redis://127.0.0.1:1/0", "Redis is not answering at 127.0.0.1:1"),
        ("LIFEBOAT_BROKER_URL", "amqp://guest:guest@127.0.0.1:1/", "rabbitmq-server -detached"),
        ("LIFEBOAT_DATABASE_URL", "postgresql://root@127.0.0.1:1/x", "pg_ctlcluster"),
        ("LIFEBOAT_TARGET_DATABASE_URL", "postgresql://root@127.0.0.1:5432/lbtest_nope", "exist"),
        ("LIFEBOAT_S3_SECRET_KEY", "not-the-secret", "refuses LIFEBOAT_S3_ACCESS_KEY"),
        ("LIFEBOAT_BROKER_URL", "kafka://127.0.0.1:9092", "must start with redis:// or amqp://"),
        ("LIFEBOAT_PORT", "eighty", "LIFEBOAT_PORT"),
        ("LIFEBOAT_PG_BIN_DIR", "/nonexistent/bin", "apt-get install postgresql-client-15"),
    ],
)
async def test_one_line_and_nothing_created(stack_env, variable, value, expected):
    # The shared SeaweedFS answers on 9000: with the wrong secret it must be refused, not used.
    stack_env["LIFEBOAT_S3_ENDPOINT"] = "127.0.0.1:9000"
    stack_env[variable] = value
    result = await run_stack(stack_env)
    assert result.returncode != 0
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert expected in lines[0]
    assert "Traceback" not in result.stderr
    assert not await database_exists(stack_env["LIFEBOAT_DEMO_DATABASE"])
    assert not await database_exists(stack_env["LIFEBOAT_DATABASE_URL"].rsplit("/", 1)[1])


async def test_a_taken_api_port_is_named(stack_env):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        stack_env["LIFEBOAT_PORT"] = str(taken.getsockname()[1])
        result = await run_stack(stack_env)
    assert result.returncode != 0
    assert result.stderr.splitlines() == [
        f"port {stack_env['LIFEBOAT_PORT']} on 127.0.0.1 is taken (another `make run`?); "
        "choose a free one with LIFEBOAT_PORT"
    ]


def time_wait_on(port: int) -> bool:
    listed = subprocess.run(
        ["ss", "-tanH", "state", "time-wait", f"sport = :{port}"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return bool(listed.strip())


def test_a_port_held_only_by_time_wait_connections_is_free():
    # The server side closes first, as uvicorn does with keep-alive connections when it stops:
    # the server's port is left in TIME_WAIT for a minute.
    with socket.socket() as server:
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        client = socket.create_connection(("127.0.0.1", port))
        accepted, _ = server.accept()
        accepted.close()
        client.recv(1)  # the server's FIN
        client.close()
    assert time_wait_on(port)

    preflight.check_port_free("127.0.0.1", port)

    with socket.socket() as listening:
        listening.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listening.bind(("127.0.0.1", port))
        listening.listen()
        with pytest.raises(preflight.Unavailable, match=f"port {port} on 127.0.0.1 is taken"):
            preflight.check_port_free("127.0.0.1", port)
