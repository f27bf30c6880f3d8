"""The real API under uvicorn on a free port, for tests that need a socket (browsers, node, ws)."""

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from app.devstack.processes import stop_process
from app.storage.client import ObjectStore

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT = 30.0


def _wait_until_answering(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"uvicorn exited with {process.returncode}:\n{log.read_text()}")
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"uvicorn did not answer at {url} in {START_TIMEOUT}s:\n{log.read_text()}")


@contextmanager
def running_server(log_dir: Path, **env: str) -> Iterator[str]:
    """Serve `app.main:create_app` with this run's env plus `env`; yield the base URL."""
    # The parent binds the socket and hands it over, so no other process can take the port.
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    log = log_dir / f"uvicorn-{port}.log"
    command = [sys.executable, "-m", "uvicorn", "app.main:create_app", "--factory"]
    command += ["--fd", str(sock.fileno()), "--log-level", "warning"]
    with log.open("wb") as out:
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env={**os.environ, **env},
            pass_fds=[sock.fileno()],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    sock.close()
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_answering(url, process, log)
        yield url
    finally:
        stop_process(process)


@pytest.fixture(scope="session")
def live_server(
    databases: None, archives: ObjectStore, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """Base URL of the API served by uvicorn against this test run's databases and buckets."""
    with running_server(tmp_path_factory.mktemp("uvicorn")) as url:
        yield url
