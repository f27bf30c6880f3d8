"""What `make run` keeps running. Add a long-running process here and the supervisor runs it."""

import re
import subprocess
import sys
from pathlib import Path

import httpx

from app.devstack.supervisor import Program
from app.settings import Settings

# The virtualenv's bin folder (not resolved: .venv/bin/python is a symlink out of it).
BIN = Path(sys.executable).parent
WORKER_READY = "Worker process is ready for action."


def programs(settings: Settings) -> list[Program]:
    """The API, one Dramatiq worker on this stack's queues, and the scheduler if the CLI has it."""
    result = [
        Program("api", [str(BIN / "lifeboat"), "serve"], ready_probe=lambda: api_answers(settings)),
        Program(
            "worker",
            [
                str(BIN / "dramatiq"),
                "workers.actors",
                "--processes",
                "1",
                "--threads",
                "2",
                # A stop waits this long for running jobs (within the supervisor's 10 s); an
                # interrupted job is settled by the reaper (README, "Faults").
                "--worker-shutdown-timeout",
                "8000",
                # Dramatiq's main process waits this long for its worker process to be up, and
                # notices nothing meanwhile: a worker killed while booting took the default 30 s
                # to be restarted, and a job it had been sent waited as long (seen in the soak).
                # Nothing here needs the wait (it only orders `--fork` processes, none here).
                "--worker-fork-timeout",
                "1000",
                "--queues",
                *worker_queues(),
            ],
            ready_line=WORKER_READY,
        ),
    ]
    if "scheduler" in cli_commands():
        result.append(Program("scheduler", [str(BIN / "lifeboat"), "scheduler"]))
    return result


def api_url(settings: Settings) -> str:
    host = "127.0.0.1" if settings.host in ("0.0.0.0", "::", "") else settings.host
    return f"http://{host}:{settings.port}"


def api_answers(settings: Settings) -> bool:
    try:
        return httpx.get(f"{api_url(settings)}/healthz", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def worker_queues() -> list[str]:
    """Every queue an actor declares, with this stack's LIFEBOAT_QUEUE_PREFIX already applied."""
    import workers.actors  # noqa: F401  (declares the actors, hence their queues, on the broker)
    from workers.broker import broker

    return sorted(broker.get_declared_queues())


def cli_commands() -> set[str]:
    """The subcommands `lifeboat --help` lists, e.g. {"admin", "migrate", "serve"}."""
    usage = subprocess.run(
        [str(BIN / "lifeboat"), "--help"], capture_output=True, text=True, check=True
    ).stdout
    found = re.search(r"\{([^}]*)\}", usage)
    return set(found.group(1).split(",")) if found else set()
