"""Roles: viewer < operator < admin, each root field as DESIGN.md's role table says.

Each operation below is one a role may or may not run. When allowed, it is built to fail
harmlessly (unknown ids, bad input) so the test changes nothing; what matters is that it was
not refused with FORBIDDEN.
"""

import pytest

from app.auth.roles import ADMIN
from app.graphql.operation import RootField
from app.graphql.permissions import ROLES, required_role
from app.graphql.schema import schema
from tests.conftest import GraphQLClient, error_code, make_admin

UNKNOWN_ID = "00000000-0000-0000-0000-000000000000"

# (least role, document) per root field, from DESIGN.md "Security" (the contract, not the code).
OPERATIONS = {
    "backups": ("viewer", "{ backups { backupId } }"),
    "backup": ("viewer", '{ backup(backupId: "bk_none") { backupId } }'),
    "restoreOperations": ("viewer", "{ restoreOperations { id } }"),
    "restoreOperation": ("viewer", f'{{ restoreOperation(id: "{UNKNOWN_ID}") {{ id }} }}'),
    "restorePlan": (
        "viewer",
        '{ restorePlan(input: {backupId: "bk_none", confirmationCode: "x"}) { refusal } }',
    ),
    "me": ("viewer", "{ me { email } }"),
    "tables": ("viewer", "{ tables { name } }"),
    "schedules": ("viewer", "{ schedules { id } }"),
    "webhooks": ("admin", "{ webhooks { id } }"),
    "notificationDeliveries": ("admin", "{ notificationDeliveries { id } }"),
    "restoreConfirmationCode": ("admin", '{ restoreConfirmationCode(backupId: "bk_none") }'),
    "auditEvents": ("admin", "{ auditEvents(limit: 1) { id } }"),
    "createBackup": ("operator", "mutation { createBackup(input: {type: SCHEDULED}) { id } }"),
    "verifyBackup": ("operator", 'mutation { verifyBackup(backupId: "bk_none") { id } }'),
    "pinBackup": ("operator", 'mutation { pinBackup(backupId: "bk_none") { id } }'),
    "unpinBackup": ("operator", 'mutation { unpinBackup(backupId: "bk_none") { id } }'),
    "applyRetention (dry run)": (
        "operator",
        f'mutation {{ applyRetention(scheduleId: "{UNKNOWN_ID}") {{ dryRun }} }}',
    ),
    "applyRetention": (
        "admin",
        f'mutation {{ applyRetention(scheduleId: "{UNKNOWN_ID}", dryRun: false) {{ dryRun }} }}',
    ),
    "expirePreRestoreSnapshots (dry run)": (
        "operator",
        "mutation { expirePreRestoreSnapshots(dryRun: true) { dryRun } }",
    ),
    "expirePreRestoreSnapshots": (
        "admin",
        "mutation { expirePreRestoreSnapshots(dryRun: false) { dryRun } }",
    ),
    "restoreBackup": (
        "admin",
        'mutation { restoreBackup(input: {backupId: "bk_none", confirmationCode: "x"}) { id } }',
    ),
    "createSchedule": (
        "admin",
        'mutation { createSchedule(input: {name: "p", cron: "not a cron"}) { id } }',
    ),
    "updateSchedule": (
        "admin",
        f'mutation {{ updateSchedule(input: {{id: "{UNKNOWN_ID}"}}) {{ id }} }}',
    ),
    "setScheduleEnabled": (
        "admin",
        f'mutation {{ setScheduleEnabled(id: "{UNKNOWN_ID}", enabled: true) {{ id }} }}',
    ),
    "deleteSchedule": ("admin", f'mutation {{ deleteSchedule(id: "{UNKNOWN_ID}") }}'),
    "createWebhook": (
        "admin",
        'mutation { createWebhook(input: {url: "http://x.test/", secret: "short"}) { secret } }',
    ),
    "setWebhookEnabled": (
        "admin",
        f'mutation {{ setWebhookEnabled(id: "{UNKNOWN_ID}", enabled: true) {{ id }} }}',
    ),
    "deleteWebhook": ("admin", f'mutation {{ deleteWebhook(id: "{UNKNOWN_ID}") }}'),
}
RANK = {"viewer": 0, "operator": 1, "admin": 2}


@pytest.fixture(scope="module")
async def tokens(databases: None) -> dict[str, str]:
    return {role: (await make_admin(role=role))[1] for role in RANK}


@pytest.mark.parametrize("role", list(RANK))
@pytest.mark.parametrize("operation", list(OPERATIONS))
async def test_each_role_runs_what_the_table_allows_and_nothing_else(
    gql: GraphQLClient, tokens: dict[str, str], role: str, operation: str
) -> None:
    needed, document = OPERATIONS[operation]
    body = await gql(document, token=tokens[role])
    refused = bool(body.get("errors")) and error_code(body) == "FORBIDDEN"
    if RANK[role] >= RANK[needed]:
        assert not refused, body
    else:
        assert refused, body
        assert body.get("data") is None, "a refused operation runs no field at all"
        assert f"needs role {needed}" in body["errors"][0]["message"]


def _schema_root_fields() -> set[tuple[str, str]]:
    graphql_schema = schema._schema
    roots = [graphql_schema.query_type, graphql_schema.mutation_type]
    roots.append(graphql_schema.subscription_type)
    return {(root.name, name) for root in roots if root for name in root.fields}


def test_every_root_field_of_the_schema_has_a_line_in_the_role_table() -> None:
    missing = {f"{root}.{name}" for root, name in _schema_root_fields() if name not in ROLES[root]}
    assert not missing, f"add these to app/graphql/permissions.py ROLES: {sorted(missing)}"


def test_every_root_field_of_the_schema_is_tested_here() -> None:
    tested = {name.split(" ")[0] for name in OPERATIONS}
    untested = {name for root, name in _schema_root_fields() if root != "Subscription"} - tested
    assert not untested, f"add an operation to OPERATIONS for {sorted(untested)}"


def test_a_field_missing_from_the_table_needs_admin() -> None:
    for root in ("Query", "Mutation", "Subscription"):
        assert required_role(root, RootField(name="somethingNew", key="somethingNew")) == ADMIN


async def test_a_refused_field_refuses_the_whole_operation(
    gql: GraphQLClient, tokens: dict[str, str]
) -> None:
    body = await gql(
        '{ backups { backupId } restoreConfirmationCode(backupId: "bk_none") }',
        token=tokens["viewer"],
    )
    assert error_code(body) == "FORBIDDEN"
    assert body.get("data") is None


async def test_aliases_and_fragments_do_not_hide_a_field(
    gql: GraphQLClient, tokens: dict[str, str]
) -> None:
    documents = [
        '{ code: restoreConfirmationCode(backupId: "bk_none") }',
        '{ ... on Query { restoreConfirmationCode(backupId: "bk_none") } }',
        '{ ...F } fragment F on Query { restoreConfirmationCode(backupId: "bk_none") }',
    ]
    for document in documents:
        body = await gql(document, token=tokens["operator"])
        assert error_code(body) == "FORBIDDEN", (document, body)


async def test_dry_run_given_by_a_variable_decides_the_role(
    gql: GraphQLClient, tokens: dict[str, str]
) -> None:
    document = "mutation ($d: Boolean!) { expirePreRestoreSnapshots(dryRun: $d) { dryRun } }"
    allowed = await gql(document, {"d": True}, token=tokens["operator"])
    assert "errors" not in allowed, allowed
    refused = await gql(document, {"d": False}, token=tokens["operator"])
    assert error_code(refused) == "FORBIDDEN"
    with_default = (
        "mutation ($d: Boolean! = false) { expirePreRestoreSnapshots(dryRun: $d) { dryRun } }"
    )
    assert error_code(await gql(with_default, token=tokens["operator"])) == "FORBIDDEN"


async def test_the_system_account_can_use_no_token(gql: GraphQLClient) -> None:
    import asyncpg

    from app.auth.tokens import new_token, token_digest
    from app.settings import get_settings

    token = new_token()
    conn = await asyncpg.connect(get_settings().database_url)
    try:
        # As if a token had been slipped in behind the CLI's back.
        inserted = await conn.execute(
            "INSERT INTO lifeboat.api_tokens (admin_user_id, token_hash) "
            "SELECT id, $1 FROM lifeboat.admin_users WHERE role = 'system'",
            token_digest(token),
        )
        assert inserted == "INSERT 0 1"
    finally:
        await conn.close()
    assert error_code(await gql("{ me { email } }", token=token)) == "FORBIDDEN"
