"""`lifeboat` console script: admin accounts and tokens, migrations, the API, the scheduler.

Logs go to stderr; what a script needs (a token) is the last line on stdout.
"""

import argparse
import asyncio
import logging
import sys
import uuid

from app.auth import service as auth_service
from app.db.engine import create_engine, session_factory, transaction
from app.db.migrate import migrate
from app.settings import get_settings

log = logging.getLogger("lifeboat.cli")


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


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="lifeboat")
    commands = parser.add_subparsers(dest="command", required=True)
    admin = commands.add_parser("admin", help="admin accounts").add_subparsers(
        dest="admin_command", required=True
    )
    create = admin.add_parser("create", help="create an admin if needed and print a new token")
    create.add_argument("email")
    create.add_argument("--token-name", default=None)
    revoke = admin.add_parser("revoke-token", help="revoke an API token by its id")
    revoke.add_argument("token_id", type=uuid.UUID)
    commands.add_parser("migrate", help="create Lifeboat's database if needed and migrate it")
    serve = commands.add_parser("serve", help="run the API with uvicorn")
    serve.add_argument("--host", default=None)
    serve.add_argument("--port", type=int, default=None)
    commands.add_parser("scheduler", help="fire backup schedules (runs until SIGTERM)")
    return parser


def main(argv: list[str] | None = None) -> None:
    logging.basicConfig(stream=sys.stderr, level=logging.INFO, format="%(levelname)s %(message)s")
    args = _parser().parse_args(argv)
    settings = get_settings()
    if args.command == "migrate":
        migrate(settings.database_url)
    elif args.command == "admin" and args.admin_command == "create":
        migrate(settings.database_url)  # a no-op when the schema is current
        token = asyncio.run(_create_admin(args.email, args.token_name))
        log.info("created a new API token for %s", args.email)
        print(token)
    elif args.command == "admin" and args.admin_command == "revoke-token":
        asyncio.run(_revoke_token(args.token_id))
        log.info("revoked token %s", args.token_id)
    elif args.command == "scheduler":
        from workers.scheduler_main import main as run_scheduler

        migrate(settings.database_url)  # the schedules must exist before the first tick
        run_scheduler()
    elif args.command == "serve":
        import uvicorn

        uvicorn.run(
            "app.main:create_app",
            factory=True,
            host=args.host or settings.host,
            port=args.port or settings.port,
            log_level="info",
        )


if __name__ == "__main__":
    main()
