"""`lifeboat keys generate|rewrap`: encryption keys (README "Encryption")."""

import argparse
import logging

from app.crypto.keyring import generate_key, key_id, parse_key

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


def _run_generate(args: argparse.Namespace) -> int:
    key = generate_key()
    log.info("new encryption key %s; %s", key_id(parse_key(key)), LOSS_WARNING)
    print(key)  # the last line on stdout, alone, for scripts
    return 0
