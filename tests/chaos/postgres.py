"""A PostgreSQL server of the test's own (initdb in a temporary folder, a free port), which a
test may restart at will: restarting the machine's would break everyone else's tests."""

import shutil
import subprocess
import tempfile
from pathlib import Path

from app.devstack.seaweed import free_port


def _bin_dir() -> Path:
    """The newest installed server's programs (/usr/lib/postgresql/<major>/bin)."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), key=lambda p: int(p.parts[-3]))
    if not found:
        raise RuntimeError("no PostgreSQL server programs under /usr/lib/postgresql")
    return found[-1].parent


class PrivatePostgres:
    """initdb'd as user postgres (the server refuses root), superuser `root`, trust on 127.0.0.1."""

    def __init__(self) -> None:
        self.port = free_port()
        self.folder = Path(tempfile.mkdtemp(prefix="lbtest-postgres-"))
        shutil.chown(self.folder, "postgres", "postgres")
        self.data = self.folder / "data"
        self.bin = _bin_dir()

    def url(self, database: str) -> str:
        return f"postgresql://root@127.0.0.1:{self.port}/{database}"

    def _as_postgres(self, *command: str) -> None:
        subprocess.run(
            ["runuser", "-u", "postgres", "--", *command],
            cwd=self.folder,
            check=True,
            capture_output=True,
            timeout=120,
        )

    def _pg_ctl(self, *action: str) -> None:
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.folder}"
        log = str(self.folder / "server.log")
        self._as_postgres(
            str(self.bin / "pg_ctl"), "-D", str(self.data), "-o", options, "-l", log, "-w", *action
        )

    def start(self) -> None:
        if not self.data.exists():
            self._as_postgres(
                str(self.bin / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "root"
            )
        self._pg_ctl("start")

    def restart(self) -> None:
        """As an operator's restart: every connection is ended, open transactions roll back."""
        self._pg_ctl("-m", "fast", "restart")

    def remove(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self._pg_ctl("-m", "immediate", "stop")
        shutil.rmtree(self.folder, ignore_errors=True)
