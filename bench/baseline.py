"""What Lifeboat is compared with: raw COPY (the floor), pg_dump -Fc and pg_restore.

pg_restore's fair counterpart: Lifeboat restores into tables that exist, so pg_restore is
timed the same way — the dump's pre-data section (tables, types, sequences; no data, no
indexes, no constraints) is restored untimed into a new database, then the data and
post-data sections (COPY, indexes, constraints, sequence values) are timed. The whole
pg_restore into an empty database (the figure the issue quotes) is timed as well.
"""

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.dataset import DatasetInfo, database_url, psql, recreate_database, settle
from bench.measure import CpuSampler, best_of, timed
from bench.statements import StatementSampler

log = logging.getLogger("bench.baseline")


@dataclass
class DumpResult:
    path: Path
    seconds: float
    size_bytes: int


def copy_floor(database: str, tables: list[str], copy_format: str = "text") -> dict[str, float]:
    """Seconds to COPY each table TO STDOUT into /dev/null through psql, one after another."""
    seconds = {}
    for table in tables:
        sql = f"COPY {table} TO STDOUT (FORMAT {copy_format})"
        seconds[table] = timed(["psql", "-X", "-q", "-d", database_url(database), "-c", sql])
    return seconds


def pg_dump(database: str, path: Path) -> DumpResult:
    """`pg_dump -Fc` (default compression) of the database to a local file."""
    log.info("pg_dump -Fc %s → %s", database, path)
    seconds = timed(["pg_dump", "-Fc", "-f", str(path), "-d", database_url(database)])
    return DumpResult(path, seconds, path.stat().st_size)


def pg_restore_whole(dump: Path, database: str, jobs: int) -> float:
    """`pg_restore -j N` of the whole dump into a new empty database (created untimed)."""
    recreate_database(database)
    log.info("pg_restore -j %d (whole dump) into %s", jobs, database)
    return timed(_pg_restore(dump, database, jobs))


def pg_restore_into_schema(dump: Path, database: str, jobs: int) -> dict[str, Any]:
    """Pre-data untimed, then `pg_restore -j N --section=data --section=post-data` timed,
    with its statements sampled (to set them beside the restore transaction's)."""
    recreate_database(database)
    pre_data = timed([*_pg_restore(dump, database, 1), "--section=pre-data"])
    log.info("pg_restore -j %d data + post-data into the schema copy %s", jobs, database)
    command = [*_pg_restore(dump, database, jobs), "--section=data", "--section=post-data"]
    with StatementSampler(database) as activity:
        data_post = timed(command)
    return {
        "pre_data_untimed_seconds": round(pre_data, 2),
        "seconds": round(data_post, 2),
        "database": activity.summary(),
    }


def drop_database(database: str) -> None:
    psql("postgres", f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def _pg_restore(dump: Path, database: str, jobs: int) -> list[str]:
    # --exit-on-error: a restore that silently skips an object must not be timed as a success.
    command = ["pg_restore", "--exit-on-error", "-d", database_url(database), str(dump)]
    return [*command, "-j", str(jobs)] if jobs > 1 else command


def measure_floor(info: DatasetInfo, repeat: int) -> dict[str, Any]:
    def once() -> dict[str, Any]:
        per_table = copy_floor(info.name, list(info.tables))
        return {
            "text_seconds": {table: round(s, 2) for table, s in per_table.items()},
            "text_total_seconds": round(sum(per_table.values()), 2),
        }

    how = "psql -c 'COPY t TO STDOUT' > /dev/null, table after table (text, as Lifeboat)"
    return {"how": how, **best_of(repeat, once, "text_total_seconds", settle)}


def measure_pg_dump(database: str, path: Path, repeat: int) -> dict[str, Any]:
    def once() -> dict[str, Any]:
        groups: dict[str, set[int] | str] = {"pg_dump": "pg_dump", "postgres": "postgres"}
        with CpuSampler(groups) as cpu:
            dump = pg_dump(database, path)
        return {
            "path": str(dump.path),
            "seconds": round(dump.seconds, 2),
            "size_bytes": dump.size_bytes,
            "cpu": cpu.summary(dump.seconds),
        }

    return best_of(repeat, once, "seconds", settle)


def measure_pg_restore(dump: Path, scratch: str, repeat: int) -> dict[str, Any]:
    def into_schema() -> dict[str, Any]:
        return pg_restore_into_schema(dump, scratch, 2)

    def whole(jobs: int) -> dict[str, Any]:
        return {"seconds": round(pg_restore_whole(dump, scratch, jobs), 2)}

    try:
        return {
            "how": "into a new database; 'into schema copy' = --section=pre-data untimed "
            "first, then -j 2 --section=data --section=post-data timed (tables exist, as "
            "for Lifeboat)",
            "j2_into_schema": best_of(repeat, into_schema, "seconds", settle),
            "j2_whole": best_of(repeat, lambda: whole(2), "seconds", settle),
            "j1_whole": best_of(repeat, lambda: whole(1), "seconds", settle),
        }
    finally:
        drop_database(scratch)
