"""The demo target `make run` fills when LIFEBOAT_TARGET_DATABASE_URL is unset."""

import uuid
import zlib
from collections.abc import AsyncIterator, Iterator

import asyncpg
import pytest

from app.db.urls import with_database
from app.devstack.demo import demo_uploads, ensure_demo_database, ensure_demo_uploads
from app.settings import Settings
from app.storage.client import ObjectStore, create_client
from tests.conftest import ADMIN_URL, drop_database


@pytest.fixture
async def demo_url(settings: Settings) -> AsyncIterator[str]:
    url = with_database(ADMIN_URL, f"lbtest_demo_{uuid.uuid4().hex[:8]}")
    yield url
    await drop_database(url)


@pytest.fixture
def bucket(settings: Settings) -> Iterator[ObjectStore]:
    store = ObjectStore(create_client(settings), f"lbtest-demo-{uuid.uuid4().hex[:8]}")
    yield store
    if store.client.bucket_exists(store.bucket):
        store.delete_prefix("")
        store.client.remove_bucket(store.bucket)


def test_the_target_defaults_to_the_demo_database_on_lifeboats_own_server(monkeypatch):
    monkeypatch.delenv("LIFEBOAT_TARGET_DATABASE_URL", raising=False)
    monkeypatch.setenv("LIFEBOAT_DATABASE_URL", "postgresql://lb@db.local:6543/own")
    monkeypatch.setenv("LIFEBOAT_DEMO_DATABASE", "my_demo")
    settings = Settings()
    assert settings.target_database_url == "postgresql://lb@db.local:6543/my_demo"
    assert settings.target_is_demo
    monkeypatch.setenv("LIFEBOAT_TARGET_DATABASE_URL", "")  # empty counts as unset
    assert Settings().target_is_demo


def test_a_configured_target_is_never_the_demo(monkeypatch):
    monkeypatch.setenv("LIFEBOAT_TARGET_DATABASE_URL", "postgresql://app@db.local/app")
    settings = Settings()
    assert settings.target_database_url == "postgresql://app@db.local/app"
    assert not settings.target_is_demo


async def test_the_demo_database_is_created_and_filled_once(demo_url: str):
    assert await ensure_demo_database(demo_url) is True
    conn = await asyncpg.connect(demo_url)
    try:
        tables = ["users", "ingredients", "recipes", "recipe_ingredients", "meal_plans"]
        tables += ["meal_plan_entries", "activity_log"]
        counts = {t: await conn.fetchval(f"SELECT count(*) FROM {t}") for t in tables}
        assert all(count > 0 for count in counts.values()), counts
        assert 1000 < sum(counts.values()) < 3000
        # What a real target has: partitions, row-level security, a user trigger.
        partitions = "SELECT count(*) FROM pg_inherits WHERE inhparent = 'activity_log'::regclass"
        assert await conn.fetchval(partitions) == 3
        rls = "SELECT relrowsecurity FROM pg_class WHERE oid = 'meal_plans'::regclass"
        assert await conn.fetchval(rls)
        triggers = "SELECT count(*) FROM pg_trigger WHERE tgrelid = 'recipes'::regclass"
        assert await conn.fetchval(triggers + " AND NOT tgisinternal") == 1
        # A user's changes (say, a restore) survive the next start.
        await conn.execute("DELETE FROM meal_plan_entries")
        assert await ensure_demo_database(demo_url) is False
        assert await conn.fetchval("SELECT count(*) FROM meal_plan_entries") == 0
        assert await conn.fetchval("SELECT count(*) FROM users") == counts["users"]
    finally:
        await conn.close()


def test_demo_uploads_are_real_files_and_never_overwritten(bucket: ObjectStore):
    files = demo_uploads()
    assert "recipes/1/photo.png" in files
    photo, content_type = files["recipes/1/photo.png"]
    assert content_type == "image/png" and photo.startswith(b"\x89PNG\r\n\x1a\n")
    idat = photo.index(b"IDAT")
    length = int.from_bytes(photo[idat - 4 : idat], "big")
    assert len(zlib.decompress(photo[idat + 4 : idat + 4 + length])) == 32 * (1 + 48 * 3)

    bucket.ensure_bucket()
    bucket.put_bytes("recipes/1/photo.png", b"a user's own photo", "image/png")
    assert ensure_demo_uploads(bucket) == len(files) - 1
    assert bucket.get_bytes("recipes/1/photo.png") == b"a user's own photo"
    assert ensure_demo_uploads(bucket) == 0
    assert {o.key for o in bucket.list("")} == set(files)
