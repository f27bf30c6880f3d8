"""`make run`'s encryption key when none is set: one kept under LIFEBOAT_DEVSTACK_DIR.

Backups are encrypted in development as in production, so what is tested is what runs. The
key is created once (readable by its owner only) and reused, so the dev stack's backups stay
restorable from one run to the next, for as long as that file lives.
"""

import logging
import os
from pathlib import Path

from app.cli.keys import LOSS_WARNING
from app.crypto.keyring import generate_key, key_id, parse_key
from app.settings import Settings

log = logging.getLogger("lifeboat.devstack")
KEY_FILE = "encryption.key"


def ensure_dev_key(settings: Settings) -> Settings:
    """Settings with an encryption key: the configured one, or the dev key (made if missing).

    Sets LIFEBOAT_ENCRYPTION_KEY in this process's environment, which the programs `make run`
    starts inherit.
    """
    if settings.keyring.enabled or settings.encryption == "off":
        return settings
    path = Path(settings.devstack_dir).resolve() / KEY_FILE
    if path.exists():
        key = path.read_text().strip()
        verb = "using the"
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        key = generate_key()
        # O_EXCL: two stacks starting at once must not each write a different key.
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as file:
            file.write(key + "\n")
        verb = "created a"
    log.info(
        "%s dev encryption key %s in %s (LIFEBOAT_ENCRYPTION_KEY is not set); %s",
        verb,
        key_id(parse_key(key)),
        path,
        LOSS_WARNING,
    )
    os.environ["LIFEBOAT_ENCRYPTION_KEY"] = key
    return Settings()
