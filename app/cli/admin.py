"""`lifeboat admin create|set-role|tokens|revoke-token`: accounts, roles and API tokens.

These act on Lifeboat's database directly (whoever runs them can reach it), not through the API.
Each leaves one audit row (admin.create, admin.set-role, admin.tokens, admin.revoke-token).

The database side (SQLAlchemy, the account service, the audit) is imported by the command that
runs, not with this module: every `lifeboat` command, --help included, builds the whole parser,
and importing it all for that took ~0.4 s a run.
"""

import argparse
import json
import logging
import sys
import uuid
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from app.auth.expiry import DEFAULT_EXPIRES_IN, parse_expires_in
from app.auth.roles import HUMAN_ROLES
from app.errors import AppError

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from app.auth.service import IssuedToken
    from app.db.models import ApiToken

log = logging.getLogger("lifeboat.cli")

# Exit status when Lifeboat refuses (unknown account, role conflict, bad role), as the API CLI.
REFUSED = 3


def _lifetime(text: str) -> str:
    try:
        parse_expires_in(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None
    return text


def register(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    admin = commands.add_parser("admin", help="accounts, roles and API tokens").add_subparsers(
        dest="admin_command", required=True
    )
    create = admin.add_parser(
        "create", help="create an account if needed and print a new API token (last line)"
    )
    create.add_argument("email")
    create.add_argument(
        "--role",
        choices=HUMAN_ROLES,
        default=None,
        help="role of a new account (default admin); an existing account must already have it",
    )
    create.add_argument(
        "--expires-in",
        type=_lifetime,
        default=DEFAULT_EXPIRES_IN,
        metavar="90d|12h|never",
        help=f"token lifetime (default {DEFAULT_EXPIRES_IN})",
    )
    create.add_argument("--token-name", default=None)
    create.set_defaults(run=_run_create)

    set_role = admin.add_parser("set-role", help="change an account's role")
    set_role.add_argument("email")
    set_role.add_argument("role", choices=HUMAN_ROLES)
    set_role.set_defaults(run=_run_set_role)

    tokens = admin.add_parser("tokens", help="list an account's API tokens")
    tokens.add_argument("email")
    tokens.add_argument("--json", action="store_true", help="one JSON array on stdout")
    tokens.set_defaults(run=_run_tokens)

    revoke = admin.add_parser("revoke-token", help="revoke an API token by its id")
    revoke.add_argument("token_id", type=uuid.UUID)
    revoke.set_defaults(run=_run_revoke)


def _refused(error: AppError) -> int:
    print(f"error: {error.message}", file=sys.stderr)
    return REFUSED


def _run_create(args: argparse.Namespace) -> int:
    from app.auth import service as auth_service  # deferred: see the module's docstring
    from app.cli.audited import run_audited

    arguments = {
        "email": args.email,
        "role": args.role,
        "expiresIn": args.expires_in,
        "tokenName": args.token_name,
    }

    async def work(session: "AsyncSession") -> "IssuedToken":
        issued = await auth_service.create_with_token(
            session, args.email, args.role, parse_expires_in(args.expires_in), args.token_name
        )
        arguments["tokenId"] = str(issued.token.id)
        return issued

    try:
        issued = run_audited("admin.create", arguments, work)
    except AppError as error:
        return _refused(error)
    expires = issued.token.expires_at
    log.info(
        "new API token %s for %s (role %s), %s",
        issued.token.id,
        args.email,
        issued.admin.role,
        f"expires {expires.isoformat()}" if expires else "never expires",
    )
    print(issued.secret)  # the last line on stdout: scripts take it with `tail -n 1`
    return 0


def _run_set_role(args: argparse.Namespace) -> int:
    from app.auth import service as auth_service  # deferred: see the module's docstring
    from app.cli.audited import run_audited

    arguments = {"email": args.email, "role": args.role}

    async def work(session: "AsyncSession") -> str:
        _, previous = await auth_service.set_role(session, args.email, args.role)
        arguments["previousRole"] = previous
        return previous

    try:
        previous = run_audited("admin.set-role", arguments, work)
    except AppError as error:
        return _refused(error)
    log.info("%s: role %s → %s", args.email, previous, args.role)
    return 0


def _token_state(token: "ApiToken", now: datetime) -> str:
    if token.revoked_at is not None:
        return "revoked"
    if token.expires_at is not None and token.expires_at <= now:
        return "expired"
    return "live"


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _run_tokens(args: argparse.Namespace) -> int:
    from rich.console import Console  # deferred: see the module's docstring
    from rich.table import Table

    from app.auth import service as auth_service
    from app.cli.audited import run_audited

    async def work(session: "AsyncSession") -> "list[ApiToken]":
        _, tokens = await auth_service.tokens_of(session, args.email)
        return tokens

    try:
        tokens = run_audited("admin.tokens", {"email": args.email}, work)
    except AppError as error:
        return _refused(error)
    now = datetime.now(UTC)
    rows = [
        {
            "id": str(token.id),
            "name": token.name,
            "state": _token_state(token, now),
            "createdAt": _iso(token.created_at),
            "expiresAt": _iso(token.expires_at),
            "lastUsedAt": _iso(token.last_used_at),
            "revokedAt": _iso(token.revoked_at),
        }
        for token in tokens
    ]
    if args.json:
        print(json.dumps(rows))
        return 0
    table = Table("id", "name", "state", "created", "expires", "last used")
    for token, row in zip(tokens, rows, strict=True):
        table.add_row(
            row["id"],
            token.name or "",
            row["state"],
            _minute(token.created_at),
            _minute(token.expires_at) or "never",
            _minute(token.last_used_at) or "never",
        )
    # A pipe gets whole lines (rich would cut them at 80 columns).
    Console(width=None if sys.stdout.isatty() else 200).print(table)
    return 0


def _minute(value: datetime | None) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC") if value else ""


def _run_revoke(args: argparse.Namespace) -> int:
    from app.auth import service as auth_service  # deferred: see the module's docstring
    from app.cli.audited import run_audited

    arguments = {"tokenId": str(args.token_id)}

    async def work(session: "AsyncSession") -> None:
        token = await auth_service.revoke(session, args.token_id)
        arguments["adminId"] = str(token.admin_user_id)

    try:
        run_audited("admin.revoke-token", arguments, work)
    except AppError as error:
        return _refused(error)
    log.info("revoked token %s", args.token_id)
    return 0
