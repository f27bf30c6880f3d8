"""/readyz and the keys: it fails when the configured keys cannot open the newest backup."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg
import httpx

from app.crypto.keyring import generate_key
from app.main import create_app
from app.pipelines.context import PipelineContext
from app.settings import Settings
from tests.restores.support import completed_backup
from tests.support.automation import RecordingJobs


@asynccontextmanager
async def api_with(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    application = create_app(settings, jobs=RecordingJobs())
    async with application.router.lifespan_context(application):
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://ready.test") as http:
            yield http


async def encryption_check(settings: Settings) -> tuple[int, dict]:
    async with api_with(settings) as http:
        response = await http.get("/readyz")
    return response.status_code, response.json()["checks"]["encryption"]


async def test_readyz_fails_when_no_configured_key_opens_the_newest_backup(
    pipeline_context: PipelineContext, target: asyncpg.Connection, settings: Settings
) -> None:
    await target.execute("CREATE TABLE meals (id int)")
    backup_id = await completed_backup(pipeline_context, target, "partial", ["meals"])
    test_key = settings.encryption_key.get_secret_value()
    key_id = settings.keyring.current_id or "?"

    status, check = await encryption_check(settings)
    assert status == 200 and check["ok"]
    assert f"newest backup {backup_id} opens with the current key {key_id}" in check["detail"]

    # Another key deployed in its place (a typo, a regenerated key): not ready, naming the key.
    status, check = await encryption_check(Settings(encryption_key=generate_key()))
    assert status == 503 and not check["ok"]
    assert key_id in check["detail"] and "not configured" in check["detail"]

    # A rotation keeps the old key: ready, and it says a rewrap is pending.
    rotated = Settings(encryption_key=generate_key(), encryption_old_keys=test_key)
    status, check = await encryption_check(rotated)
    assert status == 200 and "old key" in check["detail"] and "rewrap" in check["detail"]
