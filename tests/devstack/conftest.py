"""An environment for a whole `make run` stack of its own: ports, S3, databases, buckets, queues."""

import os
import socket
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest

ADMIN_URL = "postgresql://root@127.0.0.1:5432/postgres"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
async def stack_env(tmp_path: Path) -> AsyncIterator[dict[str, str]]:
    """The test run's environment without a target (so the demo is made), all names unique."""
    name = f"lbtest_dev{uuid.uuid4().hex[:8]}"
    # No target (the demo is made) and no key (the dev key is made), as for a newcomer.
    unset = ("LIFEBOAT_TARGET_DATABASE_URL", "LIFEBOAT_ENCRYPTION_KEY")
    env = {k: v for k, v in os.environ.items() if k not in unset}
    env.update(
        LIFEBOAT_PORT=str(free_port()),
        LIFEBOAT_S3_ENDPOINT=f"127.0.0.1:{free_port()}",
        LIFEBOAT_DATABASE_URL=f"postgresql://root@127.0.0.1:5432/{name}_own",
        LIFEBOAT_DEMO_DATABASE=f"{name}_demo",
        LIFEBOAT_S3_BUCKET=f"{name.replace('_', '-')}-backups",
        LIFEBOAT_UPLOADS_BUCKET=f"{name.replace('_', '-')}-uploads",
        LIFEBOAT_QUEUE_PREFIX=f"{name}_",
        LIFEBOAT_DEVSTACK_DIR=str(tmp_path / "devstack"),
    )
    yield env
    admin = await asyncpg.connect(ADMIN_URL)
    try:
        for suffix in ("own", "demo"):
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}_{suffix}" WITH (FORCE)')
    finally:
        await admin.close()


async def database_exists(name: str) -> bool:
    admin = await asyncpg.connect(ADMIN_URL)
    try:
        return bool(await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name))
    finally:
        await admin.close()
