"""`make run`'s watchdog: when the supervisor dies, however it died, nothing it started survives.

The supervisor starts this process first, in a session of its own (a signal sent to `make run`'s
process group does not reach it), with the read end of a pipe as its stdin. Only the supervisor
holds the write end, and tells it `+PGID` for each process group it starts (every child leads
one) and `-PGID` for each it has reaped. The kernel closes that write end when the supervisor
exits, SIGKILL included, so end of file means "the supervisor is gone". The watchdog then asks
every group still listed to stop (SIGTERM to its leader only: Dramatiq's worker process hangs if
it gets a second SIGTERM, from its parent and from the group), waits a grace period, SIGKILLs the
groups and exits. Nothing here depends on how the children handle signals: a process group
cannot ignore SIGKILL, and a child's forks (Dramatiq's worker processes) are in its group.

Before this, children relied on PR_SET_PDEATHSIG, which failed twice over: Linux sends that
signal each time a child is handed from one exiting thread of the dead supervisor to the next
(seen: two SIGTERMs 11 ms apart), and Dramatiq's worker process, on a second SIGTERM, exits
without stopping its event loop thread, then waits for it forever; its consumer threads kept
taking jobs.
"""

import argparse
import contextlib
import logging
import os
import signal
import subprocess
import sys
import time

log = logging.getLogger("lifeboat.devstack")

# How long the children of a dead supervisor get to stop by themselves before SIGKILL.
GRACE_SECONDS = 5.0


class Watchdog:
    """The supervisor's side: start the watchdog process, tell it which groups to look after."""

    def __init__(self, grace: float = GRACE_SECONDS) -> None:
        read_end, self._write_end = os.pipe()  # both ends are closed in the children we start
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "app.devstack.watchdog", "--grace", str(grace)],
                stdin=read_end,
                start_new_session=True,
            )
        finally:
            os.close(read_end)
        self._broken = False

    def watch(self, pgid: int) -> None:
        """A process group to kill if the supervisor dies."""
        self._tell(f"+{pgid}\n")

    def forget(self, pgid: int) -> None:
        """A group the supervisor has reaped itself (its id may be reused by another program)."""
        self._tell(f"-{pgid}\n")

    def close(self) -> None:
        """The supervisor stopped everything itself: let the watchdog exit."""
        if self._write_end >= 0:
            os.close(self._write_end)
            self._write_end = -1
        try:
            self.process.wait(GRACE_SECONDS + 5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def _tell(self, line: str) -> None:
        # One short write is atomic on a pipe; only the main thread writes.
        try:
            os.write(self._write_end, line.encode())
        except OSError as error:
            if not self._broken:
                log.warning("watchdog gone (%s): a killed `make run` may leave processes", error)
            self._broken = True


def read_groups(fd: int) -> set[int]:
    """Follow the supervisor's +PGID / -PGID lines until end of file; the groups still listed."""
    groups: set[int] = set()
    with open(fd, "rb", closefd=False) as lines:
        for line in lines:
            text = line.decode().strip()
            if text[:1] == "+":
                groups.add(int(text[1:]))
            elif text[:1] == "-":
                groups.discard(int(text[1:]))
    return groups


def stop_groups(groups: set[int], grace: float) -> None:
    """SIGTERM each group's leader, wait up to `grace` seconds for the groups to empty, SIGKILL."""
    for pgid in groups:
        with contextlib.suppress(ProcessLookupError, PermissionError):  # already gone
            os.kill(pgid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while any(_group_alive(pgid) for pgid in groups) and time.monotonic() < deadline:
        time.sleep(0.1)
    for pgid in groups:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pgid, signal.SIGKILL)


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, and is not ours any more
        return True
    return True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--grace", type=float, default=GRACE_SECONDS)
    args = parser.parse_args()
    # Our own session already keeps terminal and group signals away; ignore the rest too, so
    # only end of file on stdin ends this process.
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, signal.SIG_IGN)
    groups = read_groups(sys.stdin.fileno())
    alive = {pgid for pgid in groups if _group_alive(pgid)}
    if alive:
        print(
            f"[watchdog] `make run` died; stopping what it left: process groups {sorted(alive)}",
            file=sys.stderr,
            flush=True,
        )
        stop_groups(alive, args.grace)


if __name__ == "__main__":
    main()
