"""PostgreSQL's client programs (pg_dump, pg_restore): which one to run, and whether it fits.

A client reads servers of its own major version and older, so the archive's schema needs a
pg_dump of the server's major version or newer. Where to look, in order: LIFEBOAT_PG_BIN_DIR
when set (and only there); Debian's per-version folder for the server's major version; PATH
(on Debian a wrapper that runs the newest installed version).
"""

import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit, urlunsplit

import asyncpg

from app.db.urls import asyncpg_dsn, with_database

_VERSION = re.compile(r"\(PostgreSQL\) (\d+)(?:\.(\d+))?")


class ClientProgramMissing(Exception):
    """No usable pg_dump/pg_restore; the message is one line saying how to install one."""


@dataclass(frozen=True)
class ClientProgram:
    path: str
    version: str  # "15.20"
    major: int


def find_program(name: str, server_major: int, bin_dir: str = "") -> ClientProgram:
    """The `name` program to use against a server of `server_major`; ClientProgramMissing if
    there is none or it is older than the server."""
    path = _locate(name, server_major, bin_dir)
    if path is None:
        where = f" in LIFEBOAT_PG_BIN_DIR ({bin_dir})" if bin_dir else ""
        raise ClientProgramMissing(
            f"{name} is not installed{where}; Lifeboat needs PostgreSQL's {name} "
            f"{server_major} or newer: {install_hint(server_major)}"
        )
    program = program_version(path)
    if program.major < server_major:
        raise ClientProgramMissing(
            f"{path} is version {program.version}, older than the PostgreSQL {server_major} "
            f"server; Lifeboat needs {name} {server_major} or newer: {install_hint(server_major)}"
        )
    return program


def install_hint(server_major: int) -> str:
    return f"apt-get install postgresql-client-{server_major} (or set LIFEBOAT_PG_BIN_DIR)"


def program_version(path: str) -> ClientProgram:
    """Run `path --version`; ClientProgramMissing if it does not run or says something else."""
    try:
        out = subprocess.run(
            [path, "--version"], capture_output=True, text=True, timeout=30, check=True
        ).stdout
    except (OSError, subprocess.SubprocessError) as error:
        raise ClientProgramMissing(f"{path} --version failed: {error}") from None
    found = _VERSION.search(out)
    if found is None:
        raise ClientProgramMissing(f"{path} --version printed no PostgreSQL version: {out!r}")
    major, minor = found.group(1), found.group(2)
    return ClientProgram(path, f"{major}.{minor}" if minor else major, int(major))


def _locate(name: str, server_major: int, bin_dir: str) -> str | None:
    if bin_dir:
        candidate = Path(bin_dir) / name
        return str(candidate) if candidate.is_file() else None
    debian = Path(f"/usr/lib/postgresql/{server_major}/bin/{name}")
    if debian.is_file():
        return str(debian)
    return shutil.which(name)


async def server_major(url: str) -> int:
    """The major version of the server at `url` (its `postgres` database if `url`'s is missing)."""
    try:
        conn = await asyncpg.connect(asyncpg_dsn(url), timeout=10)
    except asyncpg.InvalidCatalogNameError:
        conn = await asyncpg.connect(asyncpg_dsn(with_database(url, "postgres")), timeout=10)
    try:
        return int(await conn.fetchval("SHOW server_version_num")) // 10000
    finally:
        await conn.close()


async def check_pg_dump(url: str, bin_dir: str = "") -> ClientProgram:
    """The pg_dump that backs up the server at `url`; ClientProgramMissing, one line, if none."""
    return find_program("pg_dump", await server_major(url), bin_dir)


def libpq_target(url: str) -> tuple[str, dict[str, str]]:
    """`url` as a client program's --dbname without its password, and the environment that
    carries the password (PGPASSWORD), so it never shows in the process list."""
    parts = urlsplit(asyncpg_dsn(url))
    env: dict[str, str] = {}
    netloc = parts.netloc
    if "@" in netloc:
        credentials, host = netloc.rsplit("@", 1)
        user, colon, password = credentials.partition(":")
        if colon:
            env["PGPASSWORD"] = unquote(password)
        netloc = f"{user}@{host}"
    return urlunsplit(parts._replace(netloc=netloc)), env
