"""Stopping a child process: ask first, then insist."""

import signal
import subprocess


def stop_process(
    process: subprocess.Popen[bytes], timeout: float = 10, signum: int = signal.SIGTERM
) -> None:
    """Send `signum` (SIGTERM unless the program finishes its work on another), wait up to
    `timeout` seconds, then SIGKILL; returns once the process is gone."""
    if process.poll() is None:
        process.send_signal(signum)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
    process.wait()
