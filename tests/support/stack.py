"""`make run` as a test drives it: a whole stack in a session of its own, stopped for good after."""

import contextlib
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil

REPO = Path(__file__).resolve().parents[2]
STARTUP = 60.0


class Stack:
    """`make run` as a subprocess in a session of its own, its stdout read line by line."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.env = env
        self.log = log
        with log.open("wb") as stderr:
            self.process = subprocess.Popen(
                ["make", "--no-print-directory", "-s", "run", f"PYTHON={sys.executable}"],
                cwd=REPO,
                env=env,
                stdout=subprocess.PIPE,
                stderr=stderr,
                text=True,
                start_new_session=True,
            )
        self.lines: queue.Queue[str] = queue.Queue()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line.rstrip("\n"))

    def wait_for_ready(self) -> str:
        deadline = time.monotonic() + STARTUP
        while time.monotonic() < deadline:
            try:
                return self.lines.get(timeout=0.5)
            except queue.Empty:
                assert self.process.poll() is None, self.log.read_text()
        raise AssertionError(f"no ready line in {STARTUP}s:\n{self.log.read_text()}")

    def descendants(self) -> list[psutil.Process]:
        return psutil.Process(self.process.pid).children(recursive=True)

    @property
    def supervisor(self) -> psutil.Process:
        """`python -m app.devstack.run`, make's child."""
        (supervisor,) = psutil.Process(self.process.pid).children()
        return supervisor

    def child(self, word: str) -> psutil.Process | None:
        """The supervisor's live child whose command line mentions `word`."""
        for process in self.supervisor.children():
            try:
                if word in " ".join(process.cmdline()):
                    return process
            except psutil.Error:  # exited (or a zombie) meanwhile
                continue
        return None

    def close(self) -> None:
        """Stop it (SIGTERM to make's group), then kill whatever is left."""
        family = self.descendants() if self.process.poll() is None else []
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        for process in family:
            if not gone(process):
                process.kill()
        self.reader.join(10)
        assert self.process.stdout is not None
        self.process.stdout.close()


def gone(process: psutil.Process) -> bool:
    try:
        return not process.is_running() or process.status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True
