"""`lifeboat restore ID` and `lifeboat restore-plan ID`: restores through the GraphQL API.

`restore` on a terminal without --code shows what the restore would replace (restorePlan, the
same answer the dashboard's dialog shows) and asks for the confirmation code to be typed back;
a script passes --code (without a terminal it must). The API checks the code, whoever typed it.
`restore-plan` prints that plan and changes nothing.
"""

import argparse
import sys
from typing import Any

from rich.markup import escape

from app.cli import documents, render
from app.cli.api import REFUSED, ApiError
from app.cli.command import DONE, JOB_FAILED, Command, UsageError, add_output_options, run
from app.cli.follow import follow

SCHEMAS = ("current", "backup")


def register(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    restore = commands.add_parser("restore", help="restore a backup (through the API)")
    _add_restore_options(restore)
    restore.add_argument(
        "--code", help="the backup's confirmation code (asked for on a terminal when omitted)"
    )
    restore.add_argument("--wait", action="store_true", help="follow it until it is finished")
    add_output_options(restore)
    restore.set_defaults(run=lambda args: run(args, lambda command: _restore(command, args)))

    plan = commands.add_parser(
        "restore-plan", help="what restoring a backup would do (changes nothing)"
    )
    _add_restore_options(plan)
    add_output_options(plan)
    plan.set_defaults(run=lambda args: run(args, lambda command: _plan(command, args)))


def _add_restore_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("backup_id", metavar="ID")
    parser.add_argument(
        "--schema",
        choices=SCHEMAS,
        type=str.lower,
        help="current: rows into today's tables (default); backup: rewind the schema too",
    )
    parser.add_argument(
        "--target-database", metavar="DB", help="another (new or empty) database on the server"
    )
    parser.add_argument(
        "--table",
        action="append",
        metavar="TABLE",
        help="only this table of the backup (repeat for more)",
    )


def _restore_input(args: argparse.Namespace, code: str) -> dict[str, Any]:
    request: dict[str, Any] = {"backupId": args.backup_id, "confirmationCode": code}
    if args.schema:
        request["schema"] = args.schema.upper()
    if args.target_database:
        request["targetDatabase"] = args.target_database
    if args.table:
        request["tables"] = args.table
    return request


async def _plan(command: Command, args: argparse.Namespace) -> int:
    # The code is not checked by restorePlan; the input type still wants one.
    plan = (await command.api.query(documents.RESTORE_PLAN, input=_restore_input(args, "")))[
        "restorePlan"
    ]
    if command.output.as_json:
        command.output.document(plan)
    else:
        render.restore_plan(command.output.out, args.backup_id, plan)
    return DONE


async def _restore(command: Command, args: argparse.Namespace) -> int:
    code = args.code
    if code is None:
        if not (sys.stdin.isatty() and command.output.err.is_terminal):
            raise UsageError("--code CODE is needed when not on a terminal")
        code = await _ask_for_code(command, args)
    request = _restore_input(args, code)
    operation = (await command.api.query(documents.RESTORE_BACKUP, input=request))["restoreBackup"]
    if args.wait:
        command.following = f'the restoreOperation(id: "{operation["id"]}") query'
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


async def _ask_for_code(command: Command, args: argparse.Namespace) -> str:
    """Show what the restore would do and read the code typed back."""
    plan = (await command.api.query(documents.RESTORE_PLAN, input=_restore_input(args, "")))[
        "restorePlan"
    ]
    err = command.output.err
    render.restore_plan(err, args.backup_id, plan)
    if plan["refusal"]:
        raise ApiError("REFUSED", plan["refusal"], REFUSED)
    code = (await command.api.query(documents.CONFIRMATION_CODE, backupId=args.backup_id))[
        "restoreConfirmationCode"
    ]
    prompt = f"Type the confirmation code [bold]{escape(code)}[/] to restore: "
    return str(err.input(prompt)).strip()
