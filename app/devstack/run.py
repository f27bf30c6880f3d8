"""`make run`: Lifeboat's whole stack in the foreground until Ctrl-C or SIGTERM.

Checks the services, starts SeaweedFS if no S3 server answers, prepares buckets, databases and
the demo, then supervises the API, worker(s) and scheduler (app/devstack/programs.py).
"""

import logging
import os
import signal
import sys
import time
from pathlib import Path
from types import FrameType

from pydantic import ValidationError

from app.devstack import preflight, prepare
from app.devstack.devkey import ensure_dev_key
from app.devstack.programs import BIN, api_url, programs
from app.devstack.seaweed import SeaweedProcess, s3_accepts_keys
from app.devstack.supervisor import Supervisor
from app.devstack.watchdog import Watchdog
from app.settings import Settings

log = logging.getLogger("lifeboat.devstack")
STARTUP_TIMEOUT = 120.0
# Children get up to their stop_timeout (10 s) first; the whole stop stays within 20 s.
SEAWEED_STOP_SECONDS = 4.0


class Interrupted(BaseException):
    """Ctrl-C or SIGTERM before the supervisor runs: unwind, stopping what was started."""


class StopRequest:
    """Set by the signal handler, read by the main loop; takes no lock.

    The handler used to call threading.Event.set(), which takes the event's lock. `make`
    forwards SIGTERM to its child, so a SIGTERM sent to `make run`'s process group reaches the
    supervisor twice, a fraction of a millisecond apart; when the second handler ran inside
    the first one's set() (or while the main loop's wait() held that lock), it waited for the
    lock forever: the supervisor hung before printing a single "stopping" line.
    """

    def __init__(self) -> None:
        self.requested = False
        self.supervising = False
        self.parent = os.getppid()

    def on_signal(self, signum: int, frame: FrameType | None) -> None:
        if self.requested:
            return  # a repeat (make's copy of the same SIGTERM): already on our way out
        self.requested = True
        if not self.supervising:
            raise Interrupted

    def wait(self, seconds: float) -> bool:
        """Sleep (a signal cuts it short), then whether to stop: asked, or `make` is gone."""
        if not self.requested:
            time.sleep(seconds)
        if not self.requested and os.getppid() != self.parent:
            log.warning("the process that started `make run` exited; stopping")
            self.requested = True
        return self.requested


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

    stop = StopRequest()
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, stop.on_signal)
    # First of all: from here on, whatever we start dies with us, even if we are SIGKILLed.
    watchdog = Watchdog()
    seaweed: SeaweedProcess | None = None
    try:
        seaweed = None if s3_running else prepare.start_storage(settings, watchdog)
        prepare.prepare_data(settings)
        supervisor = Supervisor(programs(settings), watchdog=watchdog)
        stop.supervising = True
        return supervise(settings, supervisor, seaweed, stop, watchdog)
    except Interrupted:
        return 0
    except preflight.Unavailable as problem:
        print(problem, file=sys.stderr)
        return 1
    finally:
        if seaweed is not None:
            log.info("stopping SeaweedFS")
            seaweed.stop(SEAWEED_STOP_SECONDS)
            watchdog.forget(seaweed.process.pid)
        watchdog.close()


def supervise(
    settings: Settings,
    supervisor: Supervisor,
    seaweed: SeaweedProcess | None,
    stop: StopRequest,
    watchdog: Watchdog,
) -> int:
    """Run the programs until asked to stop; print the ready line once everything answers."""
    deadline = time.monotonic() + STARTUP_TIMEOUT
    ready = False
    supervisor.start()
    try:
        while not stop.wait(0.2):
            supervisor.poll()
            if seaweed is not None and seaweed.process.poll() is not None:
                code = seaweed.process.returncode
                log.warning("SeaweedFS exited with code %s; starting it again", code)
                watchdog.forget(seaweed.process.pid)
                seaweed.process = prepare.restart_storage(settings, watchdog).process
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
