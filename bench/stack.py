"""A whole Lifeboat stack of its own for the benchmark, started as a user's would be.

Real processes: `lifeboat serve` (uvicorn) and `dramatiq workers.actors` (1 process, 1 thread)
on Redis, with SeaweedFS as the object store. Everything it names is unique to the run
(Lifeboat's database, buckets, queue prefix), so it collides with no test and no `make run`;
everything it starts or creates is stopped or removed on the way out.
"""

import contextlib
import io
import logging
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import redis

from app.crypto.keyring import generate_key
from app.devstack.seaweed import free_port, s3_accepts_keys, start_seaweed
from app.settings import DEV_S3_ACCESS_KEY, DEV_S3_SECRET_KEY, Settings
from app.storage.client import ObjectStore, create_client
from bench.dataset import database_url
from bench.measure import MB, BenchError, run

log = logging.getLogger("bench.stack")

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
SHARED_S3 = "127.0.0.1:9000"
BROKER_URL = "redis://127.0.0.1:6379/0"


@dataclass
class Stack:
    settings: Settings
    env: dict[str, str]
    api_url: str
    token: str
    api: subprocess.Popen[bytes]
    worker: subprocess.Popen[bytes]
    archives: ObjectStore
    logs: Path


def _stores_objects(endpoint: str, run_id: str) -> bool:
    """Can a fresh bucket take a two-part upload? (A SeaweedFS that has run out of volumes
    for new collections answers every request but fails every write with a 500.)"""
    settings = _settings({"LIFEBOAT_S3_ENDPOINT": endpoint, "LIFEBOAT_S3_BUCKET": "x"})
    client = create_client(settings)
    probe = ObjectStore(client, f"lbbench-{run_id}-probe")
    try:
        probe.ensure_bucket()
        data = io.BytesIO(bytes(6 * MB))
        client.put_object(probe.bucket, "probe", data, length=-1, part_size=5 * MB)
        return True
    except Exception as error:
        log.warning("the SeaweedFS on %s does not store objects: %s", endpoint, error)
        return False
    finally:
        with contextlib.suppress(Exception):
            probe.delete_prefix("")
            client.remove_bucket(probe.bucket)


def _s3_endpoint(exits: ExitStack, workdir: Path, run_id: str) -> str:
    """The shared SeaweedFS when it works with the dev keys, else one of our own."""
    if s3_accepts_keys(SHARED_S3, DEV_S3_ACCESS_KEY, DEV_S3_SECRET_KEY) and _stores_objects(
        SHARED_S3, run_id
    ):
        log.info("object store: the SeaweedFS already on %s", SHARED_S3)
        return SHARED_S3
    endpoint = f"127.0.0.1:{free_port()}"
    log.info("object store: starting a SeaweedFS of our own on %s", endpoint)
    seaweed = start_seaweed(endpoint, DEV_S3_ACCESS_KEY, DEV_S3_SECRET_KEY, workdir / "seaweed")
    exits.callback(seaweed.stop)
    return endpoint


def _bench_env(run_id: str, target: str, endpoint: str, port: int) -> dict[str, str]:
    return {
        "LIFEBOAT_ENV": "dev",
        "LIFEBOAT_DATABASE_URL": database_url(f"lifeboat_bench_own_{run_id}"),
        "LIFEBOAT_TARGET_DATABASE_URL": database_url(target),
        "LIFEBOAT_BROKER_URL": BROKER_URL,
        "LIFEBOAT_S3_ENDPOINT": endpoint,
        "LIFEBOAT_S3_ACCESS_KEY": DEV_S3_ACCESS_KEY,
        "LIFEBOAT_S3_SECRET_KEY": DEV_S3_SECRET_KEY,
        "LIFEBOAT_S3_BUCKET": f"lbbench-{run_id}-backups",
        "LIFEBOAT_UPLOADS_BUCKET": f"lbbench-{run_id}-uploads",
        "LIFEBOAT_QUEUE_PREFIX": f"lbbench_{run_id}_",
        "LIFEBOAT_PORT": str(port),
        # Encrypted, as production runs (a key of the run's own; LIFEBOAT_ENCRYPTION=off in
        # --lifeboat-env or --reference-env measures without).
        "LIFEBOAT_ENCRYPTION_KEY": generate_key(),
    }


def _settings(env: dict[str, str]) -> Settings:
    fields = {key.removeprefix("LIFEBOAT_").lower(): value for key, value in env.items()}
    return Settings.model_validate(fields)


def _start(command: list[str], env: dict[str, str], log_path: Path) -> subprocess.Popen[bytes]:
    with log_path.open("wb") as output:
        return subprocess.Popen(
            command,
            cwd=REPO,
            env={**os.environ, **env},
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own group: stopped with its forks, never by name
        )


def _stop(process: subprocess.Popen[bytes], timeout: float = 30) -> None:
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def _wait_until(
    check: Callable[[], bool], what: str, process: subprocess.Popen[bytes], log_path: Path
) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise BenchError(f"{what} exited early; see {log_path}")
        if check():
            return
        time.sleep(0.2)
    raise BenchError(f"{what} did not come up within 90 s; see {log_path}")


def _api_answers(url: str) -> bool:
    try:
        return httpx.get(f"{url}/healthz", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def _cleanup_storage(settings: Settings) -> None:
    client = create_client(settings)
    for bucket in (settings.s3_bucket, settings.uploads_bucket):
        if client.bucket_exists(bucket):
            ObjectStore(client, bucket).delete_prefix("")
            client.remove_bucket(bucket)


def _cleanup_queues(settings: Settings) -> None:
    connection = redis.Redis.from_url(settings.broker_url)
    keys = list(connection.scan_iter(match=f"dramatiq:{settings.queue_prefix}*"))
    if keys:
        connection.delete(*keys)


def _drop_own_database(settings: Settings) -> None:
    name = settings.database_url.rsplit("/", 1)[1]
    run(
        [
            "psql",
            "-X",
            "-q",
            "-d",
            database_url("postgres"),
            "-c",
            f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)',
        ]
    )


@contextmanager
def lifeboat_stack(
    target: str, keep_logs: Path, overrides: dict[str, str] | None = None
) -> Iterator[Stack]:
    """Start the API and one worker for `target`; stop and remove all of it afterwards.

    `overrides` (LIFEBOAT_* variables) try another configuration, e.g. a zstd level.
    """
    run_id = uuid.uuid4().hex[:8]
    with ExitStack() as exits:
        workdir = Path(exits.enter_context(tempfile.TemporaryDirectory(prefix="lbbench-")))
        keep_logs.mkdir(parents=True, exist_ok=True)
        port = free_port()
        env = _bench_env(run_id, target, _s3_endpoint(exits, workdir, run_id), port)
        env.update(overrides or {})
        settings = _settings(env)
        exits.callback(_drop_own_database, settings)
        exits.callback(_cleanup_queues, settings)
        exits.callback(_cleanup_storage, settings)
        client = create_client(settings)
        archives = ObjectStore(client, settings.s3_bucket)
        archives.ensure_bucket()
        ObjectStore(client, settings.uploads_bucket).ensure_bucket()
        token = run([str(BIN / "lifeboat"), "admin", "create", "bench@lifeboat.invalid"], env=env)
        token = token.strip().splitlines()[-1]

        api_log = keep_logs / "api.log"
        api = _start([str(BIN / "lifeboat"), "serve", "--port", str(port)], env, api_log)
        exits.callback(_stop, api)
        api_url = f"http://127.0.0.1:{port}"
        _wait_until(lambda: _api_answers(api_url), "the API", api, api_log)

        worker_log = keep_logs / "worker.log"
        queues = [settings.queue(name) for name in ("backups", "restores", "drills")]
        command = [str(BIN / "dramatiq"), "workers.actors", "--processes", "1", "--threads", "1"]
        worker = _start([*command, "--queues", *queues], env, worker_log)
        exits.callback(_stop, worker)
        ready = "Worker process is ready for action."
        _wait_until(
            lambda: ready in worker_log.read_text(errors="replace"),
            "the worker",
            worker,
            worker_log,
        )
        log.info("stack up: API %s, worker pid %d, queues %s", api_url, worker.pid, queues)
        yield Stack(settings, env, api_url, token, api, worker, archives, keep_logs)
