"""backups and restoreOperations as a frontend pages them: filters, cursors, tombstones."""

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import asyncpg
import pytest

from app.settings import Settings
from tests.conftest import GraphQLClient, error_code

# Later than anything other tests record, so these rows are the newest while a test runs.
FUTURE = datetime(2999, 1, 1, tzinfo=UTC)

BACKUPS = """
query ($limit: Int, $status: BackupStatus, $type: BackupType, $before: String,
       $includeDeleted: Boolean) {
  backups(limit: $limit, status: $status, type: $type, before: $before,
          includeDeleted: $includeDeleted) { backupId status type cursor deletedAt }
}
"""
RESTORES = """
query ($limit: Int, $status: RestoreStatus, $before: String) {
  restoreOperations(limit: $limit, status: $status, before: $before) { id status cursor }
}
"""


@pytest.fixture
async def lifeboat_db(settings: Settings, databases: None) -> AsyncIterator[asyncpg.Connection]:
    conn = await asyncpg.connect(settings.database_url)
    yield conn
    await conn.close()


@pytest.fixture
async def same_instant_backups(
    lifeboat_db: asyncpg.Connection, admin_token: str
) -> AsyncIterator[list[dict[str, Any]]]:
    """Seven backups recorded at the very same instant (a burst), one of them a tombstone."""
    admin_id = await lifeboat_db.fetchval(
        "SELECT id FROM lifeboat.admin_users WHERE email = 'admin@test.local'"
    )
    kinds = [("completed", "full"), ("failed", "partial"), ("completed", "scheduled")] * 2
    rows = [
        {"backupId": f"bk_lists_{n}_{uuid.uuid4().hex[:6]}", "status": status, "type": kind}
        for n, (status, kind) in enumerate([*kinds, ("completed", "full")])
    ]
    for n, row in enumerate(rows):
        await lifeboat_db.execute(
            "INSERT INTO lifeboat.system_backups (backup_id, created_by, backup_type, status,"
            " created_at, deleted_at) VALUES ($1, $2, $3, $4, $5, $6)",
            row["backupId"],
            admin_id,
            row["type"],
            row["status"],
            FUTURE,
            FUTURE if n == len(rows) - 1 else None,
        )
    yield rows
    await lifeboat_db.execute(
        "DELETE FROM lifeboat.system_backups WHERE backup_id = ANY($1::text[])",
        [row["backupId"] for row in rows],
    )


async def _all_pages(gql: GraphQLClient, query: str, field: str, **variables: Any) -> list[Any]:
    """Every item of the list, page after page, up to the first item older than FUTURE."""
    items: list[Any] = []
    before = None
    while True:
        body = await gql(query, {**variables, "before": before})
        assert "errors" not in body, body
        page = body["data"][field]
        items += page
        if len(page) < variables["limit"] or len(items) > 40:
            return items
        before = page[-1]["cursor"]


async def test_pages_of_backups_sharing_one_creation_time_neither_skip_nor_repeat(
    gql: GraphQLClient, same_instant_backups: list[dict[str, Any]]
) -> None:
    listed = await _all_pages(gql, BACKUPS, "backups", limit=2)
    ours = {row["backupId"] for row in same_instant_backups[:-1]}  # the tombstone is left out
    first = [item["backupId"] for item in listed[: len(ours)]]
    assert set(first) == ours
    ids = [item["backupId"] for item in listed]
    assert len(ids) == len(set(ids))
    assert same_instant_backups[-1]["backupId"] not in ids


async def test_backups_filter_by_status_and_type(
    gql: GraphQLClient, same_instant_backups: list[dict[str, Any]]
) -> None:
    body = await gql(BACKUPS, {"limit": 50, "status": "FAILED", "type": "PARTIAL"})
    found = [item["backupId"] for item in body["data"]["backups"]]
    expected = {
        row["backupId"]
        for row in same_instant_backups
        if (row["status"], row["type"]) == ("failed", "partial")
    }
    assert set(found[: len(expected)]) == expected and len(expected) == 2
    assert all(
        (item["status"], item["type"]) == ("FAILED", "PARTIAL") for item in body["data"]["backups"]
    )


async def test_tombstones_only_with_include_deleted(
    gql: GraphQLClient, same_instant_backups: list[dict[str, Any]]
) -> None:
    body = await gql(BACKUPS, {"limit": 7, "includeDeleted": True})
    listed = body["data"]["backups"]
    assert {item["backupId"] for item in listed} == {r["backupId"] for r in same_instant_backups}
    deleted = [item for item in listed if item["deletedAt"] is not None]
    assert [item["backupId"] for item in deleted] == [same_instant_backups[-1]["backupId"]]


@pytest.mark.parametrize("cursor", ["not a cursor", "", "bm90fGE", "MjAyNi0wMS0wMXx4eXo"])
async def test_a_cursor_not_from_the_list_is_bad_user_input(
    gql: GraphQLClient, cursor: str
) -> None:
    body = await gql(BACKUPS, {"limit": 5, "before": cursor})
    assert error_code(body) == "BAD_USER_INPUT"
    body = await gql(RESTORES, {"limit": 5, "before": cursor})
    assert error_code(body) == "BAD_USER_INPUT"


async def test_restore_operations_page_by_cursor_and_filter_by_status(
    gql: GraphQLClient,
    lifeboat_db: asyncpg.Connection,
    same_instant_backups: list[dict[str, Any]],
) -> None:
    backup_id = same_instant_backups[0]["backupId"]
    admin_id = await lifeboat_db.fetchval(
        "SELECT id FROM lifeboat.admin_users WHERE email = 'admin@test.local'"
    )
    statuses = ["completed", "failed", "completed", "failed", "completed"]
    ids = [
        str(
            await lifeboat_db.fetchval(
                "INSERT INTO lifeboat.restore_operations (backup_id, initiated_by, status,"
                " started_at, database_key) VALUES ($1, $2, $3, $4, 'test:lists') RETURNING id",
                backup_id,
                admin_id,
                status,
                FUTURE,
            )
        )
        for status in statuses
    ]
    try:
        listed = await _all_pages(gql, RESTORES, "restoreOperations", limit=2)
        assert sorted(item["id"] for item in listed[:5]) == sorted(ids)
        assert len({item["id"] for item in listed}) == len(listed)
        failed = (await gql(RESTORES, {"limit": 2, "status": "FAILED"}))["data"]
        expected = {i for i, s in zip(ids, statuses, strict=True) if s == "failed"}
        assert {item["id"] for item in failed["restoreOperations"]} == expected
    finally:
        await lifeboat_db.execute(
            "DELETE FROM lifeboat.restore_operations WHERE id = ANY($1::uuid[])", ids
        )


async def test_a_listed_backup_reads_the_same_as_the_backup_itself(
    gql: GraphQLClient, lifeboat_db: asyncpg.Connection, same_instant_backups: list[dict[str, Any]]
) -> None:
    backup_id = same_instant_backups[0]["backupId"]
    await lifeboat_db.execute(
        'UPDATE lifeboat.system_backups SET tables_included = \'["public.a", "x.\\"B\\""]\','
        ' metadata = \'{"scheduleId": "s1", "n": [1, 2]}\','
        ' progress = \'{"step": "export", "percent": 12.5, "stepTimes":'
        ' [{"step": "snapshot", "seconds": 0.25}]}\' WHERE backup_id = $1',
        backup_id,
    )
    fields = "backupId tablesIncluded metadata progress { step percent stepTimes { step seconds } }"
    listed = (await gql(f"{{ backups(limit: 7) {{ {fields} }} }}"))["data"]["backups"]
    one = await gql(
        f"query ($id: String!) {{ backup(backupId: $id) {{ {fields} }} }}", {"id": backup_id}
    )
    item = next(item for item in listed if item["backupId"] == backup_id)
    assert item == one["data"]["backup"]
    assert item["tablesIncluded"] == ["public.a", 'x."B"']
    assert item["metadata"] == {"scheduleId": "s1", "n": [1, 2]}
    assert item["progress"]["stepTimes"] == [{"step": "snapshot", "seconds": 0.25}]
