"""Managing schedules through GraphQL: create, list, update, pause, delete; bad input refused."""

from datetime import UTC, datetime
from typing import Any

import asyncpg
import pytest

from app.pipelines.context import PipelineContext
from tests.conftest import GraphQLClient, error_code

FIELDS = """
  id name cron timezone backupType tables description enabled nextRunAt lastFiredAt
  retention { keepLast keepDaily keepWeekly keepMonthly }
"""
CREATE = f"""
mutation ($input: CreateScheduleInput!) {{ createSchedule(input: $input) {{ {FIELDS} }} }}
"""
UPDATE = f"""
mutation ($input: UpdateScheduleInput!) {{ updateSchedule(input: $input) {{ {FIELDS} }} }}
"""
ENABLE = f"""
mutation ($id: ID!, $on: Boolean!) {{ setScheduleEnabled(id: $id, enabled: $on) {{ {FIELDS} }} }}
"""
DELETE = "mutation ($id: ID!) { deleteSchedule(id: $id) }"
LIST = f"query {{ schedules {{ {FIELDS} }} }}"


async def create(gql: GraphQLClient, **fields: Any) -> dict[str, Any]:
    body = await gql(CREATE, {"input": {"name": "nightly", "cron": "0 2 * * *", **fields}})
    assert "errors" not in body, body
    schedule: dict[str, Any] = body["data"]["createSchedule"]
    return schedule


async def names(gql: GraphQLClient) -> list[str]:
    return [s["name"] for s in (await gql(LIST))["data"]["schedules"]]


def moment(value: str) -> datetime:
    return datetime.fromisoformat(value)


async def test_create_and_list_a_schedule(gql: GraphQLClient, automation: PipelineContext) -> None:
    created = await create(
        gql,
        timezone="Europe/Paris",
        description="every night",
        retention={"keepLast": 3, "keepDaily": 7, "keepWeekly": 4, "keepMonthly": 12},
    )
    assert created["backupType"] == "SCHEDULED" and created["enabled"] is True
    assert created["retention"] == {
        "keepLast": 3,
        "keepDaily": 7,
        "keepWeekly": 4,
        "keepMonthly": 12,
    }
    next_run = moment(created["nextRunAt"])
    assert next_run > datetime.now(UTC)
    assert next_run.astimezone(UTC).hour in (0, 1)  # 02:00 in Paris
    assert created["lastFiredAt"] is None
    assert await names(gql) == ["nightly"]


@pytest.mark.parametrize(
    "fields",
    [
        {"cron": "0 2 * *"},
        {"cron": "every night"},
        {"cron": "0 0 31 2 *"},
        {"timezone": "Europe/Atlantis"},
        {"name": "  "},
        {"backupType": "PARTIAL"},
        {"backupType": "FULL", "tables": ["public.meals"]},
        {"retention": {"keepLast": -1}},
    ],
)
async def test_bad_schedules_are_refused_and_nothing_is_created(
    gql: GraphQLClient, automation: PipelineContext, fields: dict[str, Any]
) -> None:
    body = await gql(CREATE, {"input": {"name": "bad", "cron": "0 2 * * *", **fields}})
    assert error_code(body) == "BAD_USER_INPUT"
    assert await names(gql) == []


async def test_partial_schedules_check_their_tables_against_the_target(
    gql: GraphQLClient, automation: PipelineContext, target: asyncpg.Connection
) -> None:
    await target.execute(
        'CREATE TABLE meals (id int); CREATE SCHEMA "Odd"; CREATE TABLE "Odd".x ()'
    )
    unknown = await gql(
        CREATE,
        {"input": {"name": "p", "cron": "@hourly", "backupType": "PARTIAL", "tables": ["nope"]}},
    )
    assert error_code(unknown) == "BAD_USER_INPUT"
    created = await create(gql, backupType="PARTIAL", tables=["MEALS", '"Odd".x'])
    assert created["tables"] == ['"Odd".x', "public.meals"]


async def test_a_name_is_unique(gql: GraphQLClient, automation: PipelineContext) -> None:
    await create(gql)
    assert error_code(await gql(CREATE, {"input": {"name": "nightly", "cron": "@daily"}})) == (
        "BAD_USER_INPUT"
    )


async def test_update_retimes_pause_resume_and_delete(
    gql: GraphQLClient, automation: PipelineContext
) -> None:
    created = await create(gql)
    body = await gql(UPDATE, {"input": {"id": created["id"], "cron": "30 4 * * *"}})
    updated = body["data"]["updateSchedule"]
    assert (updated["cron"], updated["name"]) == ("30 4 * * *", "nightly")
    assert moment(updated["nextRunAt"]).astimezone(UTC).strftime("%H:%M") == "04:30"

    body = await gql(UPDATE, {"input": {"id": created["id"], "backupType": "FULL"}})
    assert body["data"]["updateSchedule"]["backupType"] == "FULL"
    bad = await gql(UPDATE, {"input": {"id": created["id"], "timezone": "Nowhere/Else"}})
    assert error_code(bad) == "BAD_USER_INPUT"

    paused = (await gql(ENABLE, {"id": created["id"], "on": False}))["data"]["setScheduleEnabled"]
    assert paused["enabled"] is False
    resumed = (await gql(ENABLE, {"id": created["id"], "on": True}))["data"]["setScheduleEnabled"]
    assert resumed["enabled"] is True

    assert (await gql(DELETE, {"id": created["id"]}))["data"]["deleteSchedule"] is True
    assert await names(gql) == []
    assert error_code(await gql(DELETE, {"id": created["id"]})) == "NOT_FOUND"
    assert error_code(await gql(DELETE, {"id": "not-a-uuid"})) == "BAD_USER_INPUT"
