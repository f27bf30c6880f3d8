"""A worker that could not archive the target's schema refuses to start, saying what to install."""

from collections.abc import Callable
from pathlib import Path

from tests.support import pg_dump
from tests.support.worker import WorkerProcess


def test_a_worker_without_a_fitting_pg_dump_refuses_to_start_in_one_line(
    worker_processes: Callable[..., WorkerProcess], tmp_path: Path
) -> None:
    folder = pg_dump.of_version(tmp_path / "bin", "14.9")

    worker = worker_processes(env={"LIFEBOAT_PG_BIN_DIR": str(folder)})
    code = worker.process.wait(60)

    assert code != 0
    refusals = [line for line in worker.log().splitlines() if "postgresql-client" in line]
    assert len(refusals) == 1, worker.log()
    assert "apt-get install postgresql-client-15" in refusals[0]
    assert "version 14.9, older than the PostgreSQL 15 server" in refusals[0]
    assert "Traceback" not in worker.log()
