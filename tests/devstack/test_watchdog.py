"""A supervisor that is SIGKILLed leaves nothing running: its watchdog kills what it started."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil

from tests.devstack.test_supervisor import SPAWNS_STUBBORN_GRANDCHILD, gone

REPO = Path(__file__).resolve().parents[2]
PY = sys.executable

# A supervisor with a watchdog, running a child that ignores SIGTERM and forks a grandchild
# that ignores it too, and a well-behaved child; it prints the pids once all are up.
SUPERVISOR = f"""
import io, json, sys, time
import psutil
from app.devstack.supervisor import Program, Supervisor
from app.devstack.watchdog import Watchdog

watchdog = Watchdog(grace=1)
family = Program("family", [sys.executable, "-c", {SPAWNS_STUBBORN_GRANDCHILD!r}])
plain = Program("plain", [sys.executable, "-c", "import time; time.sleep(120)"])
supervisor = Supervisor([family, plain], output=io.StringIO(), watchdog=watchdog)
supervisor.start()
while "grandchild" not in supervisor.output.getvalue():
    supervisor.poll()
    time.sleep(0.05)
pids = [p.pid for p in psutil.Process().children(recursive=True)]
print(json.dumps({{"pids": pids, "watchdog": watchdog.process.pid}}), flush=True)
while True:
    supervisor.poll()
    time.sleep(0.2)
"""


def wait_until(condition, timeout: float) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def test_a_sigkilled_supervisor_leaves_nothing_even_children_that_ignore_sigterm():
    supervisor = subprocess.Popen(
        [PY, "-c", SUPERVISOR], cwd=REPO, stdout=subprocess.PIPE, text=True
    )
    assert supervisor.stdout is not None
    with supervisor.stdout:
        started = json.loads(supervisor.stdout.readline())
    family = [pid for pid in started["pids"] if pid != started["watchdog"]]
    try:
        assert len(family) == 3  # the stubborn child, its grandchild, the plain child
        supervisor.kill()
        supervisor.wait()

        assert wait_until(lambda: all(gone(pid) for pid in family), timeout=15), [
            psutil.Process(pid).cmdline() for pid in family if not gone(pid)
        ]
        # Its work done, the watchdog exits too.
        assert wait_until(lambda: gone(started["watchdog"]), timeout=5)
    finally:
        supervisor.kill()
        supervisor.wait()
        for pid in started["pids"]:  # whatever a failed test left behind
            if not gone(pid):
                os.kill(pid, signal.SIGKILL)


def test_after_a_clean_stop_the_watchdog_exits_and_touches_nothing():
    from app.devstack.supervisor import Program, Supervisor
    from app.devstack.watchdog import Watchdog

    watchdog = Watchdog(grace=1)
    program = Program("plain", [PY, "-c", "import time; time.sleep(120)"], stop_timeout=5)
    supervisor = Supervisor([program], watchdog=watchdog)
    supervisor.start()
    supervisor.stop()
    watchdog.close()
    assert watchdog.process.returncode == 0
