"""Run a `lifeboat` command's work in one transaction with its audit row.

    from app.cli.audited import run_audited

    def _run_rewrap(args):
        arguments = {"dryRun": args.dry_run}
        result = run_audited("keys.rewrap", arguments, lambda session: rewrap(session, ...))

The work and the row saying it was done ("ok") commit together. When the work raises, the
transaction rolls back and the failure is recorded on its own, with the error's code (an
AppError's, else INTERNAL_SERVER_ERROR), before the error goes on to the caller. `work` may
add to `arguments` (an id it created, a count) before it returns: the row is written after it.
"""

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from app.audit import cli_actor, outcome_of, record
from app.db.engine import create_engine, session_factory, transaction
from app.db.migrate import migrate
from app.settings import get_settings

T = TypeVar("T")

log = logging.getLogger("lifeboat.cli")


def run_audited(
    action: str, arguments: dict[str, Any], work: Callable[[AsyncSession], Awaitable[T]]
) -> T:
    database_url = get_settings().database_url
    migrate(database_url)  # a no-op when the schema is current
    actor = cli_actor()

    async def run() -> T:
        engine = create_engine(database_url, pool_size=1)
        sessions = session_factory(engine)
        try:
            try:
                async with transaction(sessions) as session:
                    result = await work(session)
                    await record(session, actor, action, arguments)
                    return result
            except Exception as error:
                try:
                    async with transaction(sessions) as session:
                        await record(session, actor, action, arguments, outcome_of(error))
                except Exception:
                    log.exception("could not record the failure of %s in the audit trail", action)
                raise
        finally:
            await engine.dispose()

    return asyncio.run(run())
