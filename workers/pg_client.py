"""A worker refuses to start when it could not archive the target's schema (no fitting pg_dump)."""

import asyncio
import logging
from typing import Any

import asyncpg
import dramatiq

from app.pgtools import ClientProgramMissing, check_pg_dump
from app.settings import get_settings

logger = logging.getLogger("lifeboat.worker")

# Dramatiq's own exit code for a worker that cannot start (its RET_IMPORT).
CANNOT_START = 2


class PgDumpCheckMiddleware(dramatiq.Middleware):
    """Before a worker boots: pg_dump of the target server's major version or newer is there.

    A target that does not answer yet is not a reason to refuse: each export checks again.
    """

    def before_worker_boot(self, broker: dramatiq.Broker, worker: Any) -> None:
        settings = get_settings()
        try:
            program = asyncio.run(check_pg_dump(settings.target_database_url, settings.pg_bin_dir))
        except ClientProgramMissing as missing:
            logger.critical("%s", missing)
            # SystemExit, not an exception: Dramatiq logs those and boots the worker anyway.
            raise SystemExit(CANNOT_START) from None
        except (OSError, TimeoutError, asyncpg.PostgresError) as error:
            logger.warning("could not check pg_dump against the target database: %s", error)
        else:
            logger.info("archiving schemas with %s (%s)", program.path, program.version)
