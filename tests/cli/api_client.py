"""Running the API commands of the console script against a live API, as an operator would."""

import asyncio
import json
import os
import socket
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

LIFEBOAT = Path(sys.executable).with_name("lifeboat")
TIMEOUT = 180.0


@dataclass
class Run:
    returncode: int
    stdout: str
    stderr: str

    @property
    def document(self) -> Any:
        """stdout as exactly one JSON document (json.loads refuses anything more)."""
        return json.loads(self.stdout)


def closed_port() -> int:
    """A local port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def cli_env(api_url: str, token: str | None) -> dict[str, str]:
    """The environment of a machine that knows only the API: its URL and a token."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("LIFEBOAT_")}
    env["LIFEBOAT_URL"] = f"{api_url}/graphql"
    if token is not None:
        env["LIFEBOAT_TOKEN"] = token
    env["COLUMNS"] = "200"
    return env


async def lifeboat(api_url: str, token: str | None, *args: str) -> Run:
    process = await asyncio.create_subprocess_exec(
        str(LIFEBOAT),
        *args,
        env=cli_env(api_url, token),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), TIMEOUT)
    assert process.returncode is not None
    return Run(process.returncode, out.decode(), err.decode())
