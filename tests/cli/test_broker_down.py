"""`lifeboat backup create` while the API's broker is down: the API fails the job and answers
SERVICE_UNAVAILABLE (app/jobs/dispatch.py), which the command reports as a server fault, exit
4, saying which broker did not answer; the backup is FAILED, never left CREATING.

The broker is a Redis server of the test's own (tests/support/brokers.py), as the shared one
must keep running for everyone else; the API is a uvicorn of the test's own, pointed at it.
"""

from pathlib import Path

import asyncpg
import pytest

from app.settings import Settings
from tests.cli.api_client import lifeboat
from tests.conftest import make_admin
from tests.support.brokers import PrivateRedis
from tests.support.server import running_server


@pytest.mark.usefixtures("databases", "archives")
async def test_backup_create_exits_4_when_the_broker_is_down_and_the_job_is_failed(
    private_redis: PrivateRedis, target: asyncpg.Connection, settings: Settings, tmp_path: Path
) -> None:
    await target.execute("CREATE TABLE meals (id int)")
    admin_id, token = await make_admin(role="operator")
    address = f"127.0.0.1:{private_redis.port}"
    # Started with the broker up (the API connects to it), stopped before the requests.
    with running_server(tmp_path, LIFEBOAT_BROKER_URL=private_redis.url) as api:
        private_redis.stop()

        scripted = await lifeboat(
            api, token, "backup", "create", "--partial", "meals", "--wait", "--json"
        )
        by_hand = await lifeboat(api, token, "backup", "create", "--description", "by hand")

    assert scripted.returncode == 4, (scripted.stdout, scripted.stderr)
    error = scripted.document["error"]
    assert error["code"] == "SERVICE_UNAVAILABLE", error
    assert address in error["message"] and "LIFEBOAT_BROKER_URL" in error["message"], error
    assert "ask again once the broker answers" in error["message"]
    assert by_hand.returncode == 4, (by_hand.stdout, by_hand.stderr)
    assert by_hand.stdout == ""
    assert "SERVICE_UNAVAILABLE" in by_hand.stderr and address in by_hand.stderr

    conn = await asyncpg.connect(settings.database_url)
    try:
        backups = await conn.fetch(
            "SELECT status, error_message FROM lifeboat.system_backups WHERE created_by = $1",
            admin_id,
        )
    finally:
        await conn.close()
    assert len(backups) == 2, backups
    for backup in backups:
        assert backup["status"] == "failed", backup
        assert address in backup["error_message"], backup
