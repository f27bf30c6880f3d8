"""Ctrl-C leaves the command within seconds even when its work does not end on cancellation
(closing a cancelled subscription can wait on the server): exit 130, one error document."""

import json
import signal
import subprocess
import sys

# A command whose work swallows asyncio's cancellation, as a cleanup stuck on the network does.
STUCK_COMMAND = """
import argparse, asyncio, sys
from app.cli.command import run

async def work(command):
    print("working", file=sys.stderr, flush=True)
    while True:
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            pass

sys.exit(run(argparse.Namespace(json=True), work))
"""


def test_an_interrupt_ends_a_command_whose_work_ignores_cancellation() -> None:
    process = subprocess.Popen(
        [sys.executable, "-c", STUCK_COMMAND],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={"LIFEBOAT_URL": "http://127.0.0.1:9/graphql", "PATH": "/usr/bin:/bin"},
    )
    try:
        assert process.stderr is not None
        assert process.stderr.readline().strip() == b"working"
        process.send_signal(signal.SIGINT)
        out, _ = process.communicate(timeout=30)  # without the deadline: never
    finally:
        process.kill()
    assert process.returncode == 130
    assert json.loads(out) == {"error": {"code": "INTERRUPTED", "message": "interrupted"}}
