"""Stand-ins for pg_dump, put in a folder that LIFEBOAT_PG_BIN_DIR (settings.pg_bin_dir) names.

Each one does something at the moment the export starts pg_dump (inside its snapshot), then
runs the real pg_dump, so a test can change the database between the snapshot and the dump,
or make pg_dump fail, deterministically.
"""

import shlex
from pathlib import Path

from app.pgtools import find_program

REAL = find_program("pg_dump", 0).path
# The stand-in's own psql calls must never write into pg_dump's stdout (the archive).
PSQL = "psql -X -q -v ON_ERROR_STOP=1 >/dev/null"


def _install(folder: Path, body: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    script = folder / "pg_dump"
    script.write_text("#!/bin/sh\n" + body)
    script.chmod(0o755)
    return folder


def after_sql(folder: Path, url: str, sql: str) -> Path:
    """A pg_dump that first commits `sql` on its own connection."""
    return _install(
        folder,
        f"""if [ "$1" != "--version" ]; then
  {PSQL} -d {shlex.quote(url)} -c {shlex.quote(sql)} || exit 3
fi
exec {REAL} "$@"
""",
    )


def behind_waiting_ddl(folder: Path, url: str, ddl: str) -> Path:
    """A pg_dump that, the first time only, starts `ddl` in the background and waits until it
    waits for a lock (the export's), so pg_dump's own locks queue behind it."""
    marker = shlex.quote(str(folder / "ddl-started"))
    waiting = (
        "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
        f"AND query = {_sql_literal(ddl)}"
    )
    return _install(
        folder,
        f"""if [ "$1" != "--version" ] && [ ! -e {marker} ]; then
  touch {marker}
  # No pipe of pg_dump's kept open: the export reads them to their end.
  {PSQL} -d {shlex.quote(url)} -c {shlex.quote(ddl)} 2>/dev/null &
  for _ in $(seq 200); do
    [ "$(psql -X -Atq -d {shlex.quote(url)} -c {shlex.quote(waiting)})" = 1 ] && break
    sleep 0.05
  done
fi
exec {REAL} "$@"
""",
    )


def failing(folder: Path, message: str) -> Path:
    """A pg_dump that writes the start of a dump, then fails saying `message`."""
    return _install(
        folder,
        f"""if [ "$1" = "--version" ]; then exec {REAL} "$@"; fi
printf 'PGDMP a dump cut short'
echo {shlex.quote(message)} >&2
exit 1
""",
    )


def of_version(folder: Path, version: str) -> Path:
    """A pg_dump that only says it is `version`."""
    return _install(folder, f'echo "pg_dump (PostgreSQL) {version}"\n')


def _sql_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def hanging(folder: Path, pid_file: Path) -> Path:
    """A pg_dump that writes the start of a dump, then never ends (its pid in `pid_file`)."""
    return _install(
        folder,
        f"""if [ "$1" = "--version" ]; then exec {REAL} "$@"; fi
printf 'PGDMP a dump that hangs'
echo $$ > {shlex.quote(str(pid_file))}
exec sleep 600
""",
    )
