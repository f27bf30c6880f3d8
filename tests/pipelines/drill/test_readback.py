"""Reading back: the rows of a faithful copy hash to the export's stream digests, and any
changed row, however small, is caught and names its table."""

import hashlib
import hmac
from collections.abc import AsyncIterator
from dataclasses import replace

import asyncpg
import pytest

from app.archive.manifest import Manifest
from app.crypto.sealing import plaintext_digest
from app.pipelines.context import PipelineContext
from app.pipelines.drill.readback import DigestFactory, read_back
from app.pipelines.drill.sequences import sequence_problems
from app.pipelines.export.pipeline import run_export
from tests.conftest import drop_database
from tests.support.archive import copy_bytes
from tests.support.drill import copy_target
from tests.support.fixture_schema import FIXTURE_TABLES, create_fixture_schema
from tests.support.pipeline import create_backup_row


@pytest.fixture
async def exported(
    pipeline_context: PipelineContext, target: asyncpg.Connection
) -> AsyncIterator[tuple[Manifest, asyncpg.Connection]]:
    """A full backup of the fixture schema, and a pg_dump/pg_restore copy of the target."""
    await create_fixture_schema(target)
    backup_id = await create_backup_row(pipeline_context, target, "full")
    manifest = await run_export(pipeline_context, backup_id)
    url = await copy_target(pipeline_context.settings.target_database_url, "lbdrill_copy")
    copy = await asyncpg.connect(url)
    yield manifest, copy
    await copy.close()
    await drop_database(url)


def keyed_by(manifest: Manifest) -> DigestFactory:
    """The digest the export recorded: an HMAC under the data key (the test run encrypts)."""
    return lambda: plaintext_digest(manifest.data_key)


def dsn(conn: asyncpg.Connection) -> str:
    params = conn._params
    return f"postgresql://{params.user}@{conn._addr[0]}:{conn._addr[1]}/{params.database}"


async def test_every_table_of_a_faithful_copy_reads_back_as_written(
    exported: tuple[Manifest, asyncpg.Connection],
) -> None:
    manifest, copy = exported
    done: list[str] = []

    results = await read_back(
        dsn(copy),
        manifest,
        connections=2,
        digest=keyed_by(manifest),
        on_table=lambda r: done.append(r.name),
    )

    assert sorted(results) == FIXTURE_TABLES == sorted(done)
    for entry in manifest.tables:
        assert results[entry.name].problem(entry) is None, entry.name
        assert results[entry.name].digest == entry.stream_sha256
    assert await sequence_problems(copy, manifest.sequences) == []


async def test_one_changed_value_fails_its_table_only(
    exported: tuple[Manifest, asyncpg.Connection],
) -> None:
    manifest, copy = exported
    await copy.execute("UPDATE public.ingredients SET name = name || ' ' WHERE id = 7")

    results = await read_back(dsn(copy), manifest, connections=1, digest=keyed_by(manifest))

    entries = {entry.name: entry for entry in manifest.tables}
    damaged = {name for name, result in results.items() if result.problem(entries[name])}
    assert damaged == {"public.ingredients"}
    problem = results["public.ingredients"].problem(entries["public.ingredients"])
    assert problem is not None and "differ from the rows the backup wrote" in problem


async def test_a_missing_row_is_told_by_its_count(
    exported: tuple[Manifest, asyncpg.Connection],
) -> None:
    manifest, copy = exported
    await copy.execute("DELETE FROM public.meal_log WHERE id = 700")

    results = await read_back(dsn(copy), manifest, connections=2, digest=keyed_by(manifest))

    entry = next(t for t in manifest.tables if t.name == "public.meal_log")
    assert results[entry.name].problem(entry) == "1499 rows read back, the backup wrote 1500"


async def test_an_encrypted_archive_compares_keyed_digests(
    pipeline_context: PipelineContext, exported: tuple[Manifest, asyncpg.Connection]
) -> None:
    """The digest is pluggable: with an HMAC under a key, the rows read back give the HMAC of
    the stream the backup wrote (what an encrypted archive's manifest records)."""
    manifest, copy = exported
    entry = next(t for t in manifest.tables if t.name == "public.recipes")
    written = await copy_bytes(pipeline_context.archives, entry, manifest.data_key)
    keyed = hmac.new(b"k" * 32, written, hashlib.sha256).hexdigest()
    only_recipes = replace(manifest, tables=[entry])

    results = await read_back(
        dsn(copy),
        only_recipes,
        connections=1,
        digest=lambda: hmac.new(b"k" * 32, digestmod=hashlib.sha256),
    )

    assert results[entry.name].digest == keyed != entry.stream_sha256


async def test_sequences_read_back_where_the_backup_left_them_or_are_named(
    exported: tuple[Manifest, asyncpg.Connection],
) -> None:
    manifest, copy = exported
    await copy.execute("SELECT setval('billing.invoice_numbers', 5000)")

    problems = await sequence_problems(copy, manifest.sequences)

    assert len(problems) == 1 and problems[0].startswith("sequence billing.invoice_numbers")
