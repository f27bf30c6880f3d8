"""Every root mutation, confirmation-code read and refusal leaves exactly one audit row.

The row carries the caller, the token, the address, the arguments as sent with secrets
redacted, and the outcome the caller saw ("ok" or its error code).
"""

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import asyncpg
import pytest

import app.graphql
from app.graphql.schema import schema
from app.settings import Settings
from tests.conftest import GraphQLClient, error_code, make_admin
from tests.support.audit import audit_rows, rows_containing

WEBHOOK_SECRET = f"whsec-{uuid.uuid4()}"


async def completed_backup(settings: Settings) -> str:
    """A completed backup's record (its archive is not needed by these tests)."""
    backup_id = f"bk_audit_{uuid.uuid4().hex[:12]}"
    conn = await asyncpg.connect(settings.database_url)
    try:
        await conn.execute(
            "INSERT INTO lifeboat.system_backups (backup_id, created_by, backup_type, status) "
            "SELECT $1, id, 'full', 'completed' FROM lifeboat.admin_users "
            "WHERE email = 'system@lifeboat.local'",
            backup_id,
        )
    finally:
        await conn.close()
    return backup_id


def outcome(body: dict[str, Any]) -> str:
    return error_code(body) if body.get("errors") else "ok"


class Steps:
    """Runs operations one at a time, checking each adds exactly one row of its own."""

    def __init__(self, gql: GraphQLClient, email: str, token: str) -> None:
        self.gql, self.email, self.token = gql, email, token
        self.fields: set[str] = set()

    async def run(
        self, field: str, document: str, variables: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        before = await audit_rows("admin_email = $1", self.email)
        body = await self.gql(document, variables, token=self.token)
        after = await audit_rows("admin_email = $1", self.email)
        new = after[len(before) :]
        assert len(new) == 1, (field, body, new)
        [row] = new
        assert (row["action"], row["outcome"]) == (field, outcome(body)), body
        assert row["actor"] == "admin" and row["token_id"] is not None
        assert row["client_address"] == "127.0.0.1"
        self.fields.add(field)
        return body


async def test_every_mutation_leaves_exactly_one_row_with_the_outcome_the_caller_saw(
    gql: GraphQLClient, settings: Settings
) -> None:
    email = f"audit-{uuid.uuid4()}@test.local"
    _, token = await make_admin(email)
    steps = Steps(gql, email, token)
    backup_id = await completed_backup(settings)

    code_body = await steps.run(
        "restoreConfirmationCode",
        "query ($id: String!) { restoreConfirmationCode(backupId: $id) }",
        {"id": backup_id},
    )
    code = code_body["data"]["restoreConfirmationCode"]

    await steps.run("createBackup", "mutation { createBackup(input: {type: SCHEDULED}) { id } }")
    pin = "mutation ($id: String!) { pinBackup(backupId: $id) { id } }"
    assert "errors" not in await steps.run("pinBackup", pin, {"id": backup_id})
    unpin = "mutation ($id: String!) { unpinBackup(backupId: $id) { id } }"
    await steps.run("unpinBackup", unpin, {"id": backup_id})
    verify = "mutation ($id: String!) { verifyBackup(backupId: $id) { verification { status } } }"
    verified = await steps.run("verifyBackup", verify, {"id": backup_id})
    assert "errors" not in verified, verified
    assert verified["data"]["verifyBackup"]["verification"] == {"status": "RUNNING"}
    assert error_code(await steps.run("verifyBackup", verify, {"id": "bk_none"})) == "NOT_FOUND"
    restore = "mutation ($input: RestoreBackupInput!) { restoreBackup(input: $input) { id } }"
    wrong = {"backupId": backup_id, "confirmationCode": "NOPE-0000"}
    assert error_code(await steps.run("restoreBackup", restore, {"input": wrong})) == (
        "UNAUTHORIZED"
    )
    # The right code gets past the check (the archive is missing, so it stops after it).
    right = {"backupId": backup_id, "confirmationCode": code}
    await steps.run("restoreBackup", restore, {"input": right})

    name = f"audit-{uuid.uuid4()}"
    created = await steps.run(
        "createSchedule",
        'mutation ($n: String!) { createSchedule(input: {name: $n, cron: "0 3 * * *"}) { id } }',
        {"n": name},
    )
    ids = {"id": created["data"]["createSchedule"]["id"]}
    await steps.run(
        "updateSchedule",
        'mutation ($id: ID!) { updateSchedule(input: {id: $id, description: "d"}) { id } }',
        ids,
    )
    await steps.run(
        "setScheduleEnabled",
        "mutation ($id: ID!) { setScheduleEnabled(id: $id, enabled: false) { id } }",
        ids,
    )
    retention = (
        "mutation ($id: ID!, $d: Boolean!) { applyRetention(scheduleId: $id, dryRun: $d) "
        "{ dryRun } }"
    )
    await steps.run("applyRetention", retention, {**ids, "d": True})
    await steps.run("applyRetention", retention, {**ids, "d": False})
    delete = "mutation ($id: ID!) { deleteSchedule(id: $id) }"
    assert "errors" not in await steps.run("deleteSchedule", delete, ids)
    assert error_code(await steps.run("deleteSchedule", delete, ids)) == "NOT_FOUND"
    await steps.run(
        "expirePreRestoreSnapshots", "mutation { expirePreRestoreSnapshots { dryRun } }"
    )

    hook = await steps.run(
        "createWebhook",
        'mutation ($s: String!) { createWebhook(input: {url: "http://127.0.0.1:9/h", '
        "secret: $s}) { webhook { id } secret } }",
        {"s": WEBHOOK_SECRET},
    )
    assert hook["data"]["createWebhook"]["secret"] == WEBHOOK_SECRET
    hook_ids = {"id": hook["data"]["createWebhook"]["webhook"]["id"]}
    await steps.run(
        "setWebhookEnabled",
        "mutation ($id: ID!) { setWebhookEnabled(id: $id, enabled: false) { id } }",
        hook_ids,
    )
    await steps.run("deleteWebhook", "mutation ($id: ID!) { deleteWebhook(id: $id) }", hook_ids)

    mutations = set(schema._schema.mutation_type.fields)
    assert mutations <= steps.fields, f"untested: {sorted(mutations - steps.fields)}"
    # Codes, secrets and tokens are nowhere in the trail.
    for secret in (code, WEBHOOK_SECRET, token):
        assert await rows_containing(secret) == 0
    wrong_row, _ = await audit_rows("admin_email = $1 AND action = 'restoreBackup'", email)
    assert wrong_row["arguments"] == {
        "input": {"backupId": backup_id, "confirmationCode": "[redacted]"}
    }


async def test_a_refused_role_is_one_row_with_forbidden(gql: GraphQLClient) -> None:
    email = f"viewer-{uuid.uuid4()}@test.local"
    _, token = await make_admin(email, role="viewer")
    body = await gql('mutation { pinBackup(backupId: "bk_x") { id } }', token=token)
    assert error_code(body) == "FORBIDDEN"
    [row] = await audit_rows("admin_email = $1", email)
    assert (row["action"], row["outcome"], row["arguments"]) == (
        "pinBackup",
        "FORBIDDEN",
        {"backupId": "bk_x"},
    )


async def test_reads_other_than_the_code_leave_no_rows(gql: GraphQLClient) -> None:
    email = f"reader-{uuid.uuid4()}@test.local"
    _, token = await make_admin(email)
    assert "errors" not in await gql("{ backups { backupId } me { email } }", token=token)
    assert await audit_rows("admin_email = $1", email) == []


Refuse = Callable[[str], Awaitable[None]]


@pytest.fixture
async def audit_refuses(settings: Settings) -> AsyncIterator[Refuse]:
    """Make the audit rows of one action fail to insert, as a lost grant or full disk would."""
    conn = await asyncpg.connect(settings.database_url)
    installed: list[str] = []

    async def refuse(action: str) -> None:
        name = f"refuse_{uuid.uuid4().hex[:8]}"
        await conn.execute(
            f"CREATE FUNCTION lifeboat.{name}() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION 'audit trail unavailable'; END $$"
        )
        await conn.execute(
            f"CREATE TRIGGER {name} BEFORE INSERT ON lifeboat.audit_events FOR EACH ROW "
            f"WHEN (NEW.action = '{action}') EXECUTE FUNCTION lifeboat.{name}()"
        )
        installed.append(name)

    yield refuse
    for name in installed:
        await conn.execute(f"DROP TRIGGER {name} ON lifeboat.audit_events")
        await conn.execute(f"DROP FUNCTION lifeboat.{name}()")
    await conn.close()


async def test_a_mutation_whose_row_cannot_be_written_fails_and_changes_nothing(
    gql: GraphQLClient, settings: Settings, audit_refuses: Refuse
) -> None:
    await audit_refuses("createSchedule")
    name = f"unaudited-{uuid.uuid4()}"
    body = await gql(
        'mutation ($n: String!) { createSchedule(input: {name: $n, cron: "0 3 * * *"}) { id } }',
        {"n": name},
    )
    assert error_code(body) == "INTERNAL_SERVER_ERROR"
    conn = await asyncpg.connect(settings.database_url)
    try:
        query = "SELECT count(*) FROM lifeboat.schedules WHERE name = $1"
        assert await conn.fetchval(query, name) == 0
    finally:
        await conn.close()


async def test_a_code_whose_read_cannot_be_recorded_is_not_shown(
    gql: GraphQLClient, settings: Settings, audit_refuses: Refuse
) -> None:
    backup_id = await completed_backup(settings)
    await audit_refuses("restoreConfirmationCode")
    body = await gql(
        "query ($id: String!) { restoreConfirmationCode(backupId: $id) }", {"id": backup_id}
    )
    assert error_code(body) == "INTERNAL_SERVER_ERROR"
    assert body["data"] is None


def test_mutations_open_their_transaction_through_the_context() -> None:
    # app.db.engine.transaction would commit without the mutation's audit row.
    for path in Path(app.graphql.__file__).parent.rglob("mutations.py"):
        assert "from app.db.engine import transaction" not in path.read_text(), path
