"""Who an audit row is about: an account's token, the scheduler, or a command on a host."""

import getpass
import socket
import uuid
from dataclasses import dataclass


@dataclass(frozen=True)
class Actor:
    kind: str  # "admin", "system", "cli" or "anonymous"
    admin_id: uuid.UUID | None = None
    admin_email: str | None = None
    token_id: uuid.UUID | None = None
    client_address: str | None = None


SYSTEM = Actor(kind="system")


def cli_actor() -> Actor:
    """Whoever runs a `lifeboat` command: the OS user and host, as the client address."""
    return Actor(kind="cli", client_address=f"{getpass.getuser()}@{socket.gethostname()}")
