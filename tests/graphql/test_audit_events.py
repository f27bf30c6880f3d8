"""auditEvents: the trail for admins, newest first, filtered by action and account, paged back."""

import uuid

from tests.conftest import GraphQLClient, error_code, make_admin

EVENTS = """
query ($limit: Int, $before: DateTime, $action: String, $email: String) {
  auditEvents(limit: $limit, before: $before, action: $action, adminEmail: $email) {
    id at action outcome actor adminEmail tokenId clientAddress arguments count
  }
}
"""


async def test_an_admin_reads_who_did_what_newest_first_and_pages_back(
    gql: GraphQLClient,
) -> None:
    email = f"pager-{uuid.uuid4()}@test.local"
    _, token = await make_admin(email)
    for backup_id in ("bk_a", "bk_b", "bk_c"):
        await gql(f'mutation {{ pinBackup(backupId: "{backup_id}") {{ id }} }}', token=token)

    body = await gql(EVENTS, {"email": email, "limit": 2})
    newest, second = body["data"]["auditEvents"]
    assert [newest["arguments"], second["arguments"]] == [
        {"backupId": "bk_c"},
        {"backupId": "bk_b"},
    ]
    assert newest["action"] == "pinBackup" and newest["outcome"] == "NOT_FOUND"
    assert newest["adminEmail"] == email and newest["actor"] == "admin"
    assert newest["clientAddress"] == "127.0.0.1" and newest["count"] == 1

    older = await gql(EVENTS, {"email": email, "before": second["at"]})
    assert [e["arguments"] for e in older["data"]["auditEvents"]] == [{"backupId": "bk_a"}]


async def test_filter_by_action(gql: GraphQLClient) -> None:
    email = f"filter-{uuid.uuid4()}@test.local"
    _, token = await make_admin(email)
    await gql('mutation { pinBackup(backupId: "bk_x") { id } }', token=token)
    await gql('mutation { unpinBackup(backupId: "bk_x") { id } }', token=token)
    body = await gql(EVENTS, {"email": email, "action": "unpinBackup"})
    assert [e["action"] for e in body["data"]["auditEvents"]] == ["unpinBackup"]


async def test_limit_out_of_bounds_is_bad_user_input(gql: GraphQLClient) -> None:
    assert error_code(await gql(EVENTS, {"limit": 0})) == "BAD_USER_INPUT"
    assert error_code(await gql(EVENTS, {"limit": 501})) == "BAD_USER_INPUT"
