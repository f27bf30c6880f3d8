"""`lifeboat restore ID`: restore a backup through the GraphQL API, confirmed by its code.

On a terminal without --code it shows what the restore replaces and asks for the code to be
typed back, as the dashboard's restore dialog does; a script passes --code (without a terminal
it must). The API checks the code, whoever typed it.
"""

import argparse
import sys
from typing import Any

from rich.markup import escape

from app.cli import documents, render
from app.cli.api import REFUSED, ApiError
from app.cli.command import DONE, JOB_FAILED, Command, UsageError, add_output_options, run
from app.cli.follow import follow


def register(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    restore = commands.add_parser("restore", help="restore a backup (through the API)")
    restore.add_argument("backup_id", metavar="ID")
    restore.add_argument(
        "--code", help="the backup's confirmation code (asked for on a terminal when omitted)"
    )
    restore.add_argument("--wait", action="store_true", help="follow it until it is finished")
    add_output_options(restore)
    restore.set_defaults(run=lambda args: run(args, lambda command: _restore(command, args)))


async def _restore(command: Command, args: argparse.Namespace) -> int:
    code = args.code
    if code is None:
        if not (sys.stdin.isatty() and command.output.err.is_terminal):
            raise UsageError("--code CODE is needed when not on a terminal")
        code = await _ask_for_code(command, args.backup_id)
    request = {"backupId": args.backup_id, "confirmationCode": code}
    operation = (await command.api.query(documents.RESTORE_BACKUP, input=request))["restoreBackup"]
    if args.wait:
        command.following = f"the restoreOperation(id: {operation['id']}) query"
        operation = await follow(
            command,
            f"restore of {args.backup_id}",
            documents.RESTORE_PROGRESS,
            "restoreProgress",
            {"id": operation["id"]},
            lambda state: state["status"] != "IN_PROGRESS",
        )
    if command.output.as_json:
        command.output.document(operation)
    else:
        render.restore_details(command.output.out, operation)
    return JOB_FAILED if operation["status"] == "FAILED" else DONE


async def _ask_for_code(command: Command, backup_id: str) -> str:
    """Show what the restore would replace and read the code typed back."""
    backup: dict[str, Any] | None = (await command.api.query(documents.BACKUP, backupId=backup_id))[
        "backup"
    ]
    if backup is None:
        raise ApiError("NOT_FOUND", f"no backup {backup_id!r}", REFUSED)
    code = (await command.api.query(documents.CONFIRMATION_CODE, backupId=backup_id))[
        "restoreConfirmationCode"
    ]
    err = command.output.err
    tables = backup["tablesIncluded"]
    err.print(
        f"Restoring [bold]{backup_id}[/] (a {backup['type'].lower()} backup of "
        f"{render.when(backup['createdAt'])}) replaces the current rows of {len(tables)} "
        "table(s):"
    )
    for table in tables:
        err.print(f"  {escape(table)}")
    if backup["type"] != "PARTIAL":
        err.print("and the uploads. A pre-restore snapshot of what is replaced is taken first.")
    else:
        err.print("A pre-restore snapshot of what is replaced is taken first.")
    return str(err.input(f"Type the confirmation code [bold]{code}[/] to restore: ")).strip()
