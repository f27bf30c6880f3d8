"""`make test` refuses to run, in one line, without a pg_dump that fits the test server."""

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_pytest_stops_before_any_test_when_pg_dump_is_missing(tmp_path: Path) -> None:
    env = {**os.environ, "LIFEBOAT_PG_BIN_DIR": str(tmp_path)}
    command = [
        sys.executable,
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        "tests/test_pgtools.py",
    ]

    result = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=120)

    assert result.returncode == 4
    refusal = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(refusal) == 1, result.stderr
    assert "apt-get install postgresql-client-15" in refusal[0]
    assert " passed" not in result.stdout
