"""`lifeboat backup create|list|show`: backups through the GraphQL API (LIFEBOAT_URL)."""

import argparse
from typing import Any

from app.cli import documents, render
from app.cli.api import REFUSED, ApiError
from app.cli.command import DONE, JOB_FAILED, Command, add_output_options, run
from app.cli.follow import follow

STATUSES = ("creating", "completed", "failed")
TYPES = ("full", "partial", "scheduled")


def register(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    backup = commands.add_parser("backup", help="take, list and show backups (through the API)")
    actions = backup.add_subparsers(dest="backup_command", required=True)

    create = actions.add_parser("create", help="take a full backup, or a partial one")
    create.add_argument(
        "--partial", nargs="+", metavar="TABLE", help="only these tables (schema.table or table)"
    )
    create.add_argument("--description", metavar="D")
    create.add_argument("--wait", action="store_true", help="follow it until it is finished")
    add_output_options(create)
    create.set_defaults(run=lambda args: run(args, lambda command: _create(command, args)))

    listing = actions.add_parser("list", help="backups, newest first")
    listing.add_argument("--limit", type=int, default=20, metavar="N", help="at most N (1-500)")
    listing.add_argument("--status", choices=STATUSES, type=str.lower)
    listing.add_argument("--type", choices=TYPES, type=str.lower)
    listing.add_argument("--before", metavar="CURSOR", help="the page after this item's cursor")
    listing.add_argument(
        "--include-deleted", action="store_true", help="with the records of deleted backups"
    )
    add_output_options(listing)
    listing.set_defaults(run=lambda args: run(args, lambda command: _list(command, args)))

    show = actions.add_parser("show", help="one backup")
    show.add_argument("backup_id", metavar="ID")
    add_output_options(show)
    show.set_defaults(run=lambda args: run(args, lambda command: _show(command, args)))


async def _create(command: Command, args: argparse.Namespace) -> int:
    request: dict[str, Any] = {"type": "PARTIAL" if args.partial else "FULL"}
    if args.partial:
        request["tables"] = args.partial
    if args.description is not None:
        request["description"] = args.description
    backup = (await command.api.query(documents.CREATE_BACKUP, input=request))["createBackup"]
    if args.wait:
        command.following = f"lifeboat backup show {backup['backupId']}"
        backup = await follow(
            command,
            f"backup {backup['backupId']}",
            documents.BACKUP_PROGRESS,
            "backupProgress",
            {"backupId": backup["backupId"]},
            lambda state: state["status"] != "CREATING",
        )
    _print_backup(command, backup)
    return JOB_FAILED if backup["status"] == "FAILED" else DONE


async def _list(command: Command, args: argparse.Namespace) -> int:
    data = await command.api.query(
        documents.BACKUPS,
        limit=args.limit,
        status=args.status.upper() if args.status else None,
        type=args.type.upper() if args.type else None,
        before=args.before,
        includeDeleted=args.include_deleted,
    )
    backups = data["backups"]
    if command.output.as_json:
        command.output.document(backups)
    else:
        render.backups_table(command.output.out, backups)
        if len(backups) == args.limit:
            command.output.note(f"[dim]older: --before {backups[-1]['cursor']}[/]")
    return DONE


async def _show(command: Command, args: argparse.Namespace) -> int:
    backup = (await command.api.query(documents.BACKUP, backupId=args.backup_id))["backup"]
    if backup is None:
        raise ApiError("NOT_FOUND", f"no backup {args.backup_id!r}", REFUSED)
    _print_backup(command, backup)
    return DONE


def _print_backup(command: Command, backup: dict[str, Any]) -> None:
    if command.output.as_json:
        command.output.document(backup)
    else:
        render.backup_details(command.output.out, backup)
