"""--wait's poll() after a dropped connection: it waits and asks again; a refusal ends it."""

from typing import Any

import pytest

from app.cli.api import REFUSED, UNREACHABLE, Api, ApiError, Endpoint
from app.cli.command import Command
from app.cli.follow import poll
from app.cli.output import Output


def _command() -> Command:
    # poll() only writes to the output; the Api is never asked.
    return Command(Api(Endpoint(url="http://127.0.0.1:9/graphql", token=None)), Output(False))


async def test_a_dropped_connection_is_asked_again_and_the_job_followed_to_its_end(
    capsys: pytest.CaptureFixture[str],
) -> None:
    answers: list[ApiError | dict[str, Any]] = [
        ApiError("UNREACHABLE", "connection refused", UNREACHABLE),
        {"status": "PASSED", "progress": None},
    ]

    async def fetch() -> dict[str, Any]:
        answer = answers.pop(0)
        if isinstance(answer, ApiError):
            raise answer
        return answer

    final = await poll(_command(), "drill", fetch, lambda s: s, lambda s: s["status"] != "RUNNING")

    assert final["status"] == "PASSED" and answers == []
    assert "connection refused; asking again" in capsys.readouterr().err


async def test_a_refusal_is_not_asked_again() -> None:
    calls = 0

    async def fetch() -> dict[str, Any]:
        nonlocal calls
        calls += 1
        raise ApiError("FORBIDDEN", "no", REFUSED)

    with pytest.raises(ApiError) as raised:
        await poll(_command(), "drill", fetch, lambda s: s, lambda s: True)

    assert (raised.value.code, calls) == ("FORBIDDEN", 1)
