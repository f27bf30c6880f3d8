"""verifyBackup, Backup.verification and Schedule.verify through the GraphQL API (the drill
itself runs in a worker: tests/workers/test_drill_worker.py)."""

import json
import uuid

import asyncpg
import redis

from app.settings import Settings
from tests.conftest import GraphQLClient, error_code, make_admin

VERIFY = """
mutation ($id: String!) {
  verifyBackup(backupId: $id) {
    backupId status
    verification { status startedAt finishedAt error tablesChecked rowsChecked stepTimes { step } }
  }
}
"""


def queued_drills(settings: Settings) -> int:
    queue = settings.queue("drills")
    return int(redis.Redis.from_url(settings.broker_url).llen(f"dramatiq:{queue}"))


async def backup_record(settings: Settings, status: str = "completed", **metadata: object) -> str:
    """A backup's record (its archive is not needed: no worker runs these drills)."""
    backup_id = f"bk_drill_{uuid.uuid4().hex[:12]}"
    conn = await asyncpg.connect(settings.database_url)
    try:
        await conn.execute(
            "INSERT INTO lifeboat.system_backups (backup_id, created_by, backup_type, status, "
            "metadata) SELECT $1, id, 'full', $2, $3::jsonb FROM lifeboat.admin_users "
            "WHERE email = 'system@lifeboat.local'",
            backup_id,
            status,
            json.dumps(metadata),
        )
    finally:
        await conn.close()
    return backup_id


async def drills_of(settings: Settings, backup_id: str) -> int:
    conn = await asyncpg.connect(settings.database_url)
    try:
        return int(
            await conn.fetchval(
                "SELECT count(*) FROM lifeboat.verifications WHERE backup_id = $1", backup_id
            )
        )
    finally:
        await conn.close()


async def test_verify_returns_running_at_once_and_queues_one_drill(
    gql: GraphQLClient, settings: Settings
) -> None:
    backup_id = await backup_record(settings)
    before = queued_drills(settings)

    body = await gql(VERIFY, {"id": backup_id})

    assert "errors" not in body, body
    backup = body["data"]["verifyBackup"]
    assert backup["backupId"] == backup_id
    drill = backup["verification"]
    assert drill["status"] == "RUNNING"
    assert (drill["finishedAt"], drill["error"], drill["tablesChecked"]) == (None, None, None)
    assert queued_drills(settings) == before + 1


async def test_asking_again_while_it_runs_returns_the_running_drill_and_queues_nothing(
    gql: GraphQLClient, settings: Settings
) -> None:
    backup_id = await backup_record(settings)
    first = (await gql(VERIFY, {"id": backup_id}))["data"]["verifyBackup"]["verification"]
    queued = queued_drills(settings)

    again = (await gql(VERIFY, {"id": backup_id}))["data"]["verifyBackup"]["verification"]

    assert again == first
    assert queued_drills(settings) == queued
    assert await drills_of(settings, backup_id) == 1


async def test_unknown_backup_is_not_found(gql: GraphQLClient) -> None:
    assert error_code(await gql(VERIFY, {"id": "bk_none"})) == "NOT_FOUND"


async def test_a_backup_not_completed_is_a_failed_precondition(
    gql: GraphQLClient, settings: Settings
) -> None:
    for status in ("creating", "failed"):
        backup_id = await backup_record(settings, status)
        body = await gql(VERIFY, {"id": backup_id})
        assert error_code(body) == "PRECONDITION_FAILED"
        assert status in body["errors"][0]["message"]
        assert await drills_of(settings, backup_id) == 0
    # No worker owns the `creating` one: left so, backup reapers of later tests would find it.
    conn = await asyncpg.connect(settings.database_url)
    try:
        await conn.execute(
            "DELETE FROM lifeboat.system_backups WHERE backup_id LIKE 'bk_drill_%'"
            " AND status = 'creating'"
        )
    finally:
        await conn.close()


async def test_a_backup_under_a_missing_key_is_refused_naming_it_before_anything_changes(
    gql: GraphQLClient, settings: Settings
) -> None:
    encryption = {"algorithm": "aes-256-gcm", "keyId": "k_not_here_42"}
    backup_id = await backup_record(settings, encryption=encryption)
    queued = queued_drills(settings)

    body = await gql(VERIFY, {"id": backup_id})

    assert error_code(body) == "PRECONDITION_FAILED"
    assert "k_not_here_42" in body["errors"][0]["message"]
    assert await drills_of(settings, backup_id) == 0
    assert queued_drills(settings) == queued


async def test_a_viewer_may_read_the_verification_but_not_ask_for_one(
    gql: GraphQLClient, settings: Settings
) -> None:
    backup_id = await backup_record(settings)
    _, viewer = await make_admin(role="viewer")
    refused = await gql(VERIFY, {"id": backup_id}, token=viewer)
    assert error_code(refused) == "FORBIDDEN"
    _, operator = await make_admin(role="operator")
    assert "errors" not in await gql(VERIFY, {"id": backup_id}, token=operator)

    listed = await gql("{ backups(limit: 500) { backupId verification { status } } }", token=viewer)
    found = {b["backupId"]: b["verification"] for b in listed["data"]["backups"]}
    assert found[backup_id] == {"status": "RUNNING"}
    never = await backup_record(settings)
    one = await gql(
        "query ($id: String!) { backup(backupId: $id) { verification { status } } }",
        {"id": never},
        token=viewer,
    )
    assert one["data"]["backup"] == {"verification": None}


async def test_schedules_verify_by_default_and_can_stop(gql: GraphQLClient) -> None:
    name = f"drills-{uuid.uuid4()}"
    created = await gql(
        'mutation ($n: String!) { createSchedule(input: {name: $n, cron: "0 3 * * *"}) '
        "{ id verify } }",
        {"n": name},
    )
    schedule = created["data"]["createSchedule"]
    assert schedule["verify"] is True

    updated = await gql(
        "mutation ($id: ID!) { updateSchedule(input: {id: $id, verify: false}) { verify } }",
        {"id": schedule["id"]},
    )
    assert updated["data"]["updateSchedule"]["verify"] is False
    untouched = await gql(
        'mutation ($id: ID!) { updateSchedule(input: {id: $id, description: "d"}) { verify } }',
        {"id": schedule["id"]},
    )
    assert untouched["data"]["updateSchedule"]["verify"] is False
    listed = await gql("{ schedules { id verify } }")
    assert {"id": schedule["id"], "verify": False} in listed["data"]["schedules"]
    await gql("mutation ($id: ID!) { deleteSchedule(id: $id) }", {"id": schedule["id"]})
