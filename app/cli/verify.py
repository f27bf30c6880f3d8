"""`lifeboat verify ID [--wait]`: a restore drill of a backup (verifyBackup), through the API.

The drill's outcome is `backup.verification`. With --wait the command asks for the backup each
second until the drill is over (the API has no subscription for drills: backupProgress ends
with the backup's creation). Exit status: 0 PASSED (or, without --wait, the drill started);
1 FAILED (the backup is damaged) and 1 ERROR too (the drill could not run, so the backup is
not proven restorable: for a script both mean "do not count on this backup", and the
document's `verification.status` and `error` tell them apart); 3 and 4 as for every command.
"""

import argparse
from typing import Any

from app.cli import documents, render
from app.cli.api import REFUSED, ApiError
from app.cli.command import DONE, JOB_FAILED, Command, add_output_options, run
from app.cli.follow import poll

# Outcomes of a drill that mean the backup is not proven restorable.
NOT_PROVEN = ("FAILED", "ERROR")


def register(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    verify = commands.add_parser(
        "verify", help="drill a backup: restore it into a scratch database and check it"
    )
    verify.add_argument("backup_id", metavar="ID")
    verify.add_argument("--wait", action="store_true", help="follow the drill until it is over")
    add_output_options(verify)
    verify.set_defaults(run=lambda args: run(args, lambda command: _verify(command, args)))


def _drill(backup: dict[str, Any]) -> dict[str, Any]:
    return backup.get("verification") or {"status": "RUNNING", "progress": None}


async def _verify(command: Command, args: argparse.Namespace) -> int:
    backup = (await command.api.query(documents.VERIFY_BACKUP, backupId=args.backup_id))[
        "verifyBackup"
    ]
    if args.wait:
        command.following = f"lifeboat backup show {args.backup_id}"

        async def fetch() -> dict[str, Any]:
            found = (await command.api.query(documents.BACKUP, backupId=args.backup_id))["backup"]
            if found is None:
                raise ApiError("NOT_FOUND", f"backup {args.backup_id!r} is gone", REFUSED)
            return dict(found)

        backup = await poll(
            command,
            f"drill of {args.backup_id}",
            fetch,
            _drill,
            lambda state: _drill(state)["status"] != "RUNNING",
        )
    if command.output.as_json:
        command.output.document(backup)
    else:
        render.backup_details(command.output.out, backup)
    return JOB_FAILED if _drill(backup)["status"] in NOT_PROVEN else DONE
