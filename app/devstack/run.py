"""`make run`: Lifeboat's whole stack in the foreground until Ctrl-C or SIGTERM.

Checks the services, starts SeaweedFS if no S3 server answers, prepares buckets, databases and
the demo, then supervises the API, worker(s) and scheduler (app/devstack/programs.py).
"""

import logging
import os
import signal
import sys
import threading
import time
from pathlib import Path
from types import FrameType

from pydantic import ValidationError

from app.devstack import preflight, prepare
from app.devstack.devkey import ensure_dev_key
from app.devstack.programs import BIN, api_url, programs
from app.devstack.seaweed import SeaweedProcess, s3_accepts_keys
from app.devstack.supervisor import Supervisor
from app.settings import Settings

log = logging.getLogger("lifeboat.devstack")
STARTUP_TIMEOUT = 120.0


class Interrupted(BaseException):
    """Ctrl-C or SIGTERM before the supervisor runs: unwind, stopping what was started."""


def main() -> int:
    # Our own steps at INFO; libraries we call in-process (Alembic, httpx) only when they warn.
    logging.basicConfig(
        stream=sys.stderr, format="%(asctime)s [devstack] %(message)s", datefmt="%H:%M:%S"
    )
    log.setLevel(logging.INFO)
    try:
        settings = Settings()
    except ValidationError as error:
        first = error.errors()[0]
        field = "LIFEBOAT_" + ".".join(map(str, first["loc"])).upper()
        print(f"configuration: {field}: {first['msg']}", file=sys.stderr)
        return 2
    try:
        s3_running = preflight.check_all(settings)
    except preflight.Unavailable as missing:
        print(missing, file=sys.stderr)
        return 1
    # Only once nothing stops the stack: a refused start creates nothing.
    settings = ensure_dev_key(settings)

    stopping = threading.Event()
    supervising = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        if supervising.is_set():
            stopping.set()
        else:
            raise Interrupted

    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, on_signal)
    seaweed: SeaweedProcess | None = None
    try:
        seaweed = None if s3_running else prepare.start_storage(settings)
        prepare.prepare_data(settings)
        supervisor = Supervisor(programs(settings))
        supervising.set()
        return supervise(settings, supervisor, seaweed, stopping)
    except Interrupted:
        return 0
    except preflight.Unavailable as problem:
        print(problem, file=sys.stderr)
        return 1
    finally:
        if seaweed is not None:
            log.info("stopping SeaweedFS")
            seaweed.stop()


def supervise(
    settings: Settings,
    supervisor: Supervisor,
    seaweed: SeaweedProcess | None,
    stopping: threading.Event,
) -> int:
    """Run the programs until asked to stop; print the ready line once everything answers."""
    deadline = time.monotonic() + STARTUP_TIMEOUT
    ready = False
    supervisor.start()
    try:
        while not stopping.wait(0.2):
            supervisor.poll()
            if seaweed is not None and seaweed.process.poll() is not None:
                code = seaweed.process.returncode
                log.warning("SeaweedFS exited with code %s; starting it again", code)
                seaweed.process = prepare.start_storage(settings).process
            if ready:
                continue
            if not supervisor.not_ready() and storage_answers(settings):
                ready = True
                print(ready_line(settings), flush=True)
            elif time.monotonic() > deadline:
                waiting = ", ".join(supervisor.not_ready()) or "storage"
                problem = f"not up after {STARTUP_TIMEOUT:g}s: {waiting} (see its lines above)"
                print(problem, file=sys.stderr)
                return 1
        return 0
    finally:
        supervisor.stop()


def storage_answers(settings: Settings) -> bool:
    endpoint, access = settings.s3_endpoint, settings.s3_access_key
    secret = settings.s3_secret_key.get_secret_value()
    return s3_accepts_keys(endpoint, access, secret, secure=settings.s3_secure)


def ready_line(settings: Settings) -> str:
    lifeboat = BIN / "lifeboat"
    if lifeboat.is_relative_to(Path.cwd()):
        lifeboat = lifeboat.relative_to(Path.cwd())
    return (
        f"ready: {api_url(settings)}/graphql  (get a token: {lifeboat} admin create "
        "you@example.com; the same LIFEBOAT_* variables apply)"
    )


if __name__ == "__main__":
    code = main()
    sys.stdout.flush()
    os._exit(code)  # without waiting for pump threads still reading children's last output
