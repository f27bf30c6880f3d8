"""Private Redis and RabbitMQ servers, on free ports, that a test may stop and start at will.

Restarting the machine's shared Redis (6379) or RabbitMQ (5672) would break the tests other
people run at the same time; these are the test's own. Both keep nothing of the shared ones.
"""

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from app.devstack.processes import stop_process
from app.devstack.seaweed import free_port


def _wait_for_port(port: int, process: subprocess.Popen[bytes], timeout: float, log: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise RuntimeError(f"nothing answers on port {port} after {timeout:g} s:\n{log.read_text()}")


class PrivateRedis:
    """redis-server as the machine's is run: in memory only, so a restart forgets every queue."""

    def __init__(self, folder: Path) -> None:
        self.port = free_port()
        self.folder = folder
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        log = self.folder / "redis.log"
        command = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1"]
        command += ["--save", "", "--appendonly", "no", "--dir", str(self.folder)]
        with log.open("ab") as out:
            self.process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
        _wait_for_port(self.port, self.process, 30, log)
        client = redis.Redis.from_url(self.url)
        try:
            client.ping()
        finally:
            client.close()

    def stop(self) -> None:
        if self.process is not None:
            stop_process(self.process)
            self.process = None

    def restart(self) -> None:
        self.stop()
        self.start()


class PrivateRabbitMQ:
    """A RabbitMQ node of its own (own name, ports and data); its durable queues survive a
    restart, as the machine's do."""

    def __init__(self) -> None:
        self.port = free_port()
        self.node = f"lbtest{os.getpid()}x{self.port}@localhost"
        # The server runs as user rabbitmq: pytest's own temporary folders are closed to it.
        self.folder = Path(tempfile.mkdtemp(prefix="lbtest-rabbitmq-"))
        self.folder.chmod(0o777)
        self.env = {
            **os.environ,
            "RABBITMQ_NODENAME": self.node,
            "RABBITMQ_NODE_PORT": str(self.port),
            "RABBITMQ_DIST_PORT": str(free_port()),
            "RABBITMQ_MNESIA_BASE": str(self.folder / "mnesia"),
            "RABBITMQ_LOG_BASE": str(self.folder / "log"),
            "RABBITMQ_ENABLED_PLUGINS_FILE": str(self.folder / "plugins"),
            "RABBITMQ_CONFIG_FILE": str(self.folder / "none"),
        }
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"amqp://guest:guest@127.0.0.1:{self.port}/"

    def start(self) -> None:
        log = self.folder / "server.out"
        with log.open("ab") as out:
            self.process = subprocess.Popen(
                ["rabbitmq-server"], env=self.env, stdout=out, stderr=subprocess.STDOUT
            )
        _wait_for_port(self.port, self.process, 60, log)

    def stop(self) -> None:
        """Shut the node down (the server switched to user rabbitmq: ask it, do not kill)."""
        if self.process is None:
            return
        subprocess.run(
            ["rabbitmqctl", "-n", self.node, "shutdown"],
            env=self.env,
            capture_output=True,
            timeout=60,
        )
        stop_process(self.process)
        self.process = None

    def restart(self) -> None:
        self.stop()
        self.start()

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[PrivateRedis]:
    server = PrivateRedis(tmp_path)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def private_rabbitmq() -> Iterator[PrivateRabbitMQ]:
    server = PrivateRabbitMQ()
    server.start()
    yield server
    server.remove()
