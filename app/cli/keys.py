"""`lifeboat keys generate|rewrap`: encryption keys (README "Encryption").

`keys rewrap` leaves one audit row (keys.rewrap) with its counts, in its own transaction.

What the commands need (cryptography, the settings, S3, the database) is imported by the
command that runs: every `lifeboat` command builds the whole parser, --help included.
"""

import argparse
import logging
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from app.keys.service import RewrapReport

log = logging.getLogger("lifeboat.cli")

LOSS_WARNING = (
    "keep it somewhere safe and apart from the backups: losing a key loses every backup made "
    "with it"
)


def register(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    keys = commands.add_parser("keys", help="encryption keys").add_subparsers(
        dest="keys_command", required=True
    )
    keys.add_parser("generate", help="print a new key for LIFEBOAT_ENCRYPTION_KEY").set_defaults(
        run=_run_generate
    )
    keys.add_parser(
        "rewrap",
        help="rewrap every backup's data key and every stored secret under the current key",
    ).set_defaults(run=_run_rewrap)


def _run_generate(args: argparse.Namespace) -> int:
    from app.crypto.keyring import generate_key, key_id, parse_key  # deferred: see the docstring

    key = generate_key()
    log.info("new encryption key %s; %s", key_id(parse_key(key)), LOSS_WARNING)
    print(key)  # the last line on stdout, alone, for scripts
    return 0


def _run_rewrap(args: argparse.Namespace) -> int:
    from app.cli.audited import run_audited  # deferred: see the module's docstring
    from app.errors import AppError
    from app.keys.service import rewrap_all
    from app.settings import get_settings
    from app.storage.client import ObjectStore, create_client

    settings = get_settings()
    archives = ObjectStore(create_client(settings), settings.s3_bucket)
    arguments: dict[str, Any] = {"keyId": settings.keyring.current_id}

    async def work(session: "AsyncSession") -> "RewrapReport":
        report = await rewrap_all(settings, session, archives)
        arguments.update(
            rewrapped=len(report.rewrapped),
            webhooksResealed=report.webhooks_resealed,
            notRewrapped=sorted(report.failed),
        )
        return report

    try:
        report = run_audited("keys.rewrap", arguments, work)
    except AppError as error:
        log.error("%s", error.message)
        return 1
    finally:
        archives.close()
    log.info(
        "rewrapped %d backup(s) under key %s; %d already were, %d are not encrypted; "
        "%d webhook secret(s) resealed",
        len(report.rewrapped),
        settings.keyring.current_id,
        len(report.already_current),
        len(report.not_encrypted),
        report.webhooks_resealed,
    )
    for what, why in report.failed.items():
        log.error("%s: %s", what, why)
    if not report.ok:
        log.error("%d not rewrapped: keep the old keys until they are", len(report.failed))
        return 1
    log.info(
        "every stored backup and secret is under key %s: once every Lifeboat process runs "
        "with it, LIFEBOAT_ENCRYPTION_OLD_KEYS can be emptied",
        settings.keyring.current_id,
    )
    return 0
