"""`make run`'s worker command: a worker process killed while it boots is noticed at once."""

import os
import signal
import subprocess
import time
from pathlib import Path

import psutil

from app.devstack.programs import programs
from app.settings import get_settings
from tests.support.worker import REPO


def test_a_worker_killed_while_booting_ends_its_main_process_at_once(tmp_path: Path) -> None:
    """Dramatiq's main process used to wait 30 s (--worker-fork-timeout) for a worker process
    that was already dead, so `make run` restarted it, and its jobs ran, 30 s late."""
    (worker,) = [p for p in programs(get_settings()) if p.name == "worker"]
    with (tmp_path / "worker.log").open("wb") as log:
        main = subprocess.Popen(
            list(worker.argv),
            cwd=REPO,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 20
        while not (children := psutil.Process(main.pid).children()):
            assert time.monotonic() < deadline, "no worker process forked"
            time.sleep(0.01)
        for child in children:  # still importing the actors: not up yet
            child.kill()
        killed_at = time.monotonic()
        main.wait(timeout=40)
        noticed = time.monotonic() - killed_at
        assert main.returncode != 0
        assert noticed < 10, f"the main process noticed after {noticed:.1f} s"
        assert "ready for action" not in (tmp_path / "worker.log").read_text()
    finally:
        if main.poll() is None:
            os.killpg(main.pid, signal.SIGKILL)
            main.wait()
