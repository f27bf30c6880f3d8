"""`lifeboat admin …`: accounts with roles, expiring tokens, their listing and revocation."""

import asyncio
import json
import socket
import subprocess
import sys
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from tests.conftest import GraphQLClient, error_code
from tests.support.audit import audit_rows, rows_containing

LIFEBOAT = Path(sys.executable).with_name("lifeboat")


async def lifeboat(*args: str) -> subprocess.CompletedProcess[str]:
    """The console script, as an operator runs it (this test run's database from the env)."""
    command = [str(LIFEBOAT), *args]
    return await asyncio.to_thread(subprocess.run, command, capture_output=True, text=True)


async def create(email: str, *options: str) -> str:
    done = await lifeboat("admin", "create", email, *options)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip().splitlines()[-1]


async def tokens(email: str) -> list[dict[str, Any]]:
    done = await lifeboat("admin", "tokens", email, "--json")
    assert done.returncode == 0, done.stderr
    listed: list[dict[str, Any]] = json.loads(done.stdout)
    return listed


def new_email() -> str:
    return f"cli-{uuid.uuid4()}@test.local"


async def test_create_with_a_role_prints_a_token_of_that_role(
    gql: GraphQLClient, databases: None
) -> None:
    email = new_email()
    token = await create(email, "--role", "viewer")
    me = await gql("{ me { email role tokenExpiresAt } }", token=token)
    assert me["data"]["me"]["role"] == "viewer"
    expires = datetime.fromisoformat(me["data"]["me"]["tokenExpiresAt"])
    # New tokens expire in 90 days unless told otherwise.
    assert abs(expires - (datetime.now(UTC) + timedelta(days=90))) < timedelta(minutes=5)
    assert error_code(await gql('mutation { pinBackup(backupId: "x") { id } }', token=token)) == (
        "FORBIDDEN"
    )


async def test_create_without_a_role_makes_an_admin_whose_token_may_never_expire(
    gql: GraphQLClient, databases: None
) -> None:
    token = await create(new_email(), "--expires-in", "never")
    me = (await gql("{ me { role tokenExpiresAt } }", token=token))["data"]["me"]
    assert me == {"role": "admin", "tokenExpiresAt": None}


async def test_create_refuses_another_role_for_an_existing_account(databases: None) -> None:
    email = new_email()
    await create(email, "--role", "viewer")
    refused = await lifeboat("admin", "create", email, "--role", "admin")
    assert refused.returncode == 3
    assert f"lifeboat admin set-role {email} admin" in refused.stderr
    assert refused.stdout == ""
    # The same role, or none, is a new token for the account as it is.
    await create(email, "--role", "viewer")
    await create(email)
    assert len(await tokens(email)) == 3


async def test_set_role_changes_what_the_account_may_do(
    gql: GraphQLClient, databases: None
) -> None:
    email = new_email()
    token = await create(email, "--role", "viewer")
    done = await lifeboat("admin", "set-role", email, "operator")
    assert done.returncode == 0, done.stderr
    assert (await gql("{ me { role } }", token=token))["data"]["me"]["role"] == "operator"
    unknown = await lifeboat("admin", "set-role", new_email(), "admin")
    assert unknown.returncode == 3 and "no account" in unknown.stderr
    bad = await lifeboat("admin", "set-role", email, "system")
    assert bad.returncode == 2  # argparse: not one of viewer, operator, admin


async def test_tokens_lists_expiry_last_use_and_revocation(
    gql: GraphQLClient, databases: None
) -> None:
    email = new_email()
    used = await create(email, "--expires-in", "12h", "--token-name", "ci")
    await create(email, "--expires-in", "never")
    assert "errors" not in await gql("{ me { email } }", token=used)

    listed = await tokens(email)
    assert [t["name"] for t in listed] == ["ci", None]
    first, second = listed
    assert first["state"] == "live" and first["lastUsedAt"] is not None
    expires = datetime.fromisoformat(first["expiresAt"])
    assert abs(expires - (datetime.now(UTC) + timedelta(hours=12))) < timedelta(minutes=5)
    assert second["expiresAt"] is None and second["lastUsedAt"] is None

    revoked = await lifeboat("admin", "revoke-token", first["id"])
    assert revoked.returncode == 0, revoked.stderr
    assert (await tokens(email))[0]["state"] == "revoked"
    assert error_code(await gql("{ me { email } }", token=used)) == "UNAUTHENTICATED"

    table = await lifeboat("admin", "tokens", email)
    assert table.returncode == 0 and first["id"] in table.stdout and "revoked" in table.stdout


async def test_a_lifetime_that_is_not_one_is_bad_usage(databases: None) -> None:
    done = await lifeboat("admin", "create", new_email(), "--expires-in", "soon")
    assert done.returncode == 2
    assert "90d" in done.stderr


async def test_each_command_leaves_one_cli_row_and_no_token(databases: None) -> None:
    email = new_email()
    token = await create(email, "--role", "viewer", "--token-name", "ci")
    [created] = await audit_rows("action = 'admin.create' AND arguments->>'email' = $1", email)
    assert (created["actor"], created["outcome"], created["admin_email"]) == ("cli", "ok", None)
    assert created["client_address"].endswith("@" + socket.gethostname())
    assert created["arguments"]["role"] == "viewer"
    assert created["arguments"]["expiresIn"] == "90d"
    [listed] = await tokens(email)
    assert created["arguments"]["tokenId"] == listed["id"]

    refused = await lifeboat("admin", "create", email, "--role", "admin")
    assert refused.returncode == 3
    await lifeboat("admin", "set-role", email, "operator")
    await lifeboat("admin", "revoke-token", listed["id"])

    rows = await audit_rows(
        "arguments->>'email' = $1 OR arguments->>'tokenId' = $2", email, listed["id"]
    )
    assert [(row["action"], row["outcome"]) for row in rows] == [
        ("admin.create", "ok"),
        ("admin.tokens", "ok"),
        ("admin.create", "CONFLICT"),
        ("admin.set-role", "ok"),
        ("admin.revoke-token", "ok"),
    ]
    assert rows[3]["arguments"]["previousRole"] == "viewer"
    assert await rows_containing(token) == 0
