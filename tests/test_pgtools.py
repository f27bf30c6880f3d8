"""Which pg_dump Lifeboat runs, and the one line that says how to install a fitting one."""

from pathlib import Path

import pytest

from app.pgtools import ClientProgramMissing, find_program, libpq_target
from tests.support import pg_dump


def test_the_installed_pg_dump_fits_the_servers_major_version() -> None:
    program = find_program("pg_dump", 15)

    assert program.major >= 15 and Path(program.path).is_file()


def test_an_older_pg_dump_is_refused_in_one_line_saying_what_to_install(tmp_path: Path) -> None:
    pg_dump.of_version(tmp_path, "14.9")

    with pytest.raises(ClientProgramMissing) as refused:
        find_program("pg_dump", 15, str(tmp_path))

    message = str(refused.value)
    assert "\n" not in message
    assert "version 14.9, older than the PostgreSQL 15 server" in message
    assert "apt-get install postgresql-client-15" in message


def test_a_newer_pg_dump_is_taken(tmp_path: Path) -> None:
    pg_dump.of_version(tmp_path, "17.2")

    assert find_program("pg_dump", 15, str(tmp_path)).version == "17.2"


def test_no_pg_dump_in_the_configured_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ClientProgramMissing, match="apt-get install postgresql-client-16"):
        find_program("pg_dump", 16, str(tmp_path))


def test_the_password_goes_to_the_environment_not_the_command_line() -> None:
    dbname, env = libpq_target("postgresql://app:s%40cret@db.example:6543/meals?sslmode=require")

    assert dbname == "postgresql://app@db.example:6543/meals?sslmode=require"
    assert env == {"PGPASSWORD": "s@cret"}
    assert libpq_target("postgresql://root@127.0.0.1/x") == ("postgresql://root@127.0.0.1/x", {})
