"""`lifeboat admin create|revoke-token`: admin accounts and their API tokens."""

import argparse
import asyncio
import logging
import uuid

from app.auth import service as auth_service
from app.db.engine import create_engine, session_factory, transaction
from app.db.migrate import migrate
from app.settings import get_settings

log = logging.getLogger("lifeboat.cli")


def register(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    admin = commands.add_parser("admin", help="admin accounts").add_subparsers(
        dest="admin_command", required=True
    )
    create = admin.add_parser("create", help="create an admin if needed and print a new token")
    create.add_argument("email")
    create.add_argument("--token-name", default=None)
    create.set_defaults(run=_run_create)
    revoke = admin.add_parser("revoke-token", help="revoke an API token by its id")
    revoke.add_argument("token_id", type=uuid.UUID)
    revoke.set_defaults(run=_run_revoke)


def _run_create(args: argparse.Namespace) -> int:
    migrate(get_settings().database_url)  # a no-op when the schema is current
    token = asyncio.run(_create_admin(args.email, args.token_name))
    log.info("created a new API token for %s", args.email)
    print(token)  # the last line on stdout: scripts take it with `tail -n 1`
    return 0


def _run_revoke(args: argparse.Namespace) -> int:
    asyncio.run(_revoke_token(args.token_id))
    log.info("revoked token %s", args.token_id)
    return 0


async def _create_admin(email: str, token_name: str | None) -> str:
    engine = create_engine(get_settings().database_url, pool_size=1)
    try:
        async with transaction(session_factory(engine)) as session:
            admin = await auth_service.ensure_admin(session, email)
            if not admin.is_active or admin.role != "admin":
                raise SystemExit(f"{email} exists but is not an active admin")
            _, token = await auth_service.issue_token(session, admin, token_name)
    finally:
        await engine.dispose()
    return token


async def _revoke_token(token_id: uuid.UUID) -> None:
    engine = create_engine(get_settings().database_url, pool_size=1)
    try:
        async with transaction(session_factory(engine)) as session:
            await auth_service.revoke(session, token_id)
    finally:
        await engine.dispose()
