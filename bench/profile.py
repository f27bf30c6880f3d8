"""Optional py-spy profile of the worker during a run (`--profile`): where its CPU goes.

py-spy is a tool, not a dependency of Lifeboat: install it anywhere (`pip install py-spy`)
and put it on PATH, or beside this Python. Output: collapsed stacks (one line per stack with
its sample count, flamegraph.pl's input) plus a summary of the busiest frames per thread.
"""

import collections
import logging
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from app.devstack.processes import stop_process
from bench.measure import BenchError

log = logging.getLogger("bench.profile")


def py_spy() -> str:
    beside = Path(sys.executable).with_name("py-spy")
    found = str(beside) if beside.exists() else shutil.which("py-spy")
    if not found:
        raise BenchError("--profile needs py-spy: pip install py-spy (anywhere on PATH)")
    return found


@contextmanager
def profiling(pid: int, output: Path, rate: int = 100) -> Iterator[None]:
    """Sample `pid` (all its threads, idle waits left out) until the block ends."""
    command = [py_spy(), "record", "--pid", str(pid), "--rate", str(rate), "--threads"]
    command += ["--format", "raw", "--output", str(output), "--nonblocking"]
    spy = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        yield
    finally:
        stop_process(spy, 30, signal.SIGINT)  # py-spy writes its output on SIGINT
        if not output.exists():
            stderr = spy.stderr.read().decode(errors="replace") if spy.stderr else ""
            log.warning("py-spy wrote no profile: %s", stderr.strip()[-500:])


def summarize(collapsed: Path, top: int = 12) -> dict[str, Any]:
    """Samples per thread, and the frames that hold the most samples (inclusive) per thread."""
    per_thread: collections.Counter[str] = collections.Counter()
    frames: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
    leaves: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
    for line in collapsed.read_text(errors="replace").splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        parts = stack.split(";")
        thread = parts[0]
        per_thread[thread] += count
        for frame in set(parts[1:]):
            frames[thread][_short(frame)] += count
        leaves[thread][_short(parts[-1])] += count
    total = sum(per_thread.values()) or 1
    return {
        "samples": total,
        "threads": {
            thread: {
                "share_percent": round(100 * samples / total, 1),
                "top_inclusive": [
                    f"{round(100 * n / samples)}% {f}" for f, n in frames[thread].most_common(top)
                ],
                "top_self": [
                    f"{round(100 * n / samples)}% {f}" for f, n in leaves[thread].most_common(top)
                ],
            }
            for thread, samples in per_thread.most_common()
        },
    }


def _short(frame: str) -> str:
    """`function (path/to/module.py:123)` → `function (module.py)`: lines differ per sample."""
    name, _, where = frame.partition(" (")
    module = where.rsplit("/", 1)[-1].split(":", 1)[0].rstrip(")")
    return f"{name} ({module})" if module else name
