"""`lifeboat catalog rebuild`: re-create backup records from the archives in the bucket.

The rebuild's modules (archives, S3, SQLAlchemy, migrations) are imported when it runs, not
with this module: every `lifeboat` command builds the whole parser, --help included.
"""

import argparse
import asyncio
import logging
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from app.catalog.service import RebuildReport
    from app.settings import Settings

log = logging.getLogger("lifeboat.cli")


def register(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    catalog = commands.add_parser("catalog", help="Lifeboat's records of its archives")
    actions = catalog.add_subparsers(dest="catalog_command", required=True)
    rebuild = actions.add_parser(
        "rebuild",
        help="re-create the records of the backups found in LIFEBOAT_S3_BUCKET (after "
        "Lifeboat's own database was lost); never duplicates a record",
    )
    rebuild.set_defaults(run=_run_rebuild)


def _run_rebuild(args: argparse.Namespace) -> int:
    from app.db.migrate import migrate  # deferred: see the module's docstring
    from app.settings import get_settings

    settings = get_settings()
    migrate(settings.database_url)  # a lost database comes back empty: create and migrate it
    report, problem = _rebuild_or_why(settings)
    # The one place where the rebuild's outcome is known (its report, or why nothing was
    # recorded): where the audit of CLI actions (issue 11) records `catalog.rebuild`.
    if report is None:
        log.error("catalog rebuild failed, nothing recorded: %s", problem)
        return 1
    print(report.summary())
    return 0


def _rebuild_or_why(settings: "Settings") -> "tuple[RebuildReport | None, str]":
    from app.pipelines.storage_errors import describe_storage_error

    try:
        return asyncio.run(_rebuild(settings)), ""
    except Exception as error:
        problem = describe_storage_error(error, "rebuild", settings, _storage_advice(settings))
        if problem is None:
            raise
        return None, problem


async def _rebuild(settings: "Settings") -> "RebuildReport":
    from app.catalog.service import rebuild_catalog
    from app.db.engine import create_engine, session_factory, transaction
    from app.storage.client import ObjectStore, create_client

    archives = ObjectStore(create_client(settings), settings.s3_bucket)
    engine = create_engine(settings.database_url, pool_size=1)
    try:
        async with transaction(session_factory(engine)) as session:
            return await rebuild_catalog(session, archives, settings.keyring)
    finally:
        await engine.dispose()


def _storage_advice(settings: "Settings") -> str:
    return (
        f"Check LIFEBOAT_S3_ENDPOINT ({settings.s3_endpoint}), that bucket "
        f"LIFEBOAT_S3_BUCKET ({settings.s3_bucket}) exists and the LIFEBOAT_S3_* keys may read it"
    )
