"""Manifests of every format version Lifeboat wrote are read; newer ones are refused, saying so."""

import json

import pytest

from app.archive.manifest import (
    FORMAT_VERSION,
    DatabaseEntry,
    Manifest,
    SchemaEntry,
    TableEntry,
    require_schema,
)
from app.errors import PreconditionFailed

# A manifest exactly as format version 1 wrote it (before schemas were archived).
VERSION_1 = {
    "backupId": "bk_20260101T000000Z_abcdef",
    "backupType": "full",
    "compression": "zstd",
    "copyFormat": "text",
    "createdAt": "2026-01-01T00:00:00+00:00",
    "format": "lifeboat-archive",
    "formatVersion": 1,
    "schemaFingerprint": "f" * 64,
    "serverVersion": "15.20",
    "sessionSettings": {"DateStyle": "ISO, YMD", "search_path": ""},
    "sequences": [],
    "tables": [
        {
            "columns": [{"name": "id", "type": "integer"}],
            "kind": "r",
            "name": "public.t",
            "object": "backups/bk_20260101T000000Z_abcdef/tables/00000.copy.zst",
            "rawBytes": 4,
            "rows": 2,
            "schema": "public",
            "sha256": "a" * 64,
            "storedBytes": 20,
            "table": "t",
        }
    ],
    "uploads": None,
}


def test_a_version_1_manifest_is_read_without_schema_database_or_stream_digests() -> None:
    manifest = Manifest.from_json(json.dumps(VERSION_1).encode())

    assert manifest.format_version == 1
    assert manifest.schema is None and manifest.database is None
    assert manifest.tables[0].stream_sha256 == ""
    assert manifest.objects() == {VERSION_1["tables"][0]["object"]: ("public.t", 20)}  # type: ignore[index]


def test_what_needs_the_schema_refuses_a_version_1_archive_naming_the_mode() -> None:
    manifest = Manifest.from_json(json.dumps(VERSION_1).encode())

    with pytest.raises(PreconditionFailed) as refused:
        require_schema(manifest, "schema: BACKUP")

    assert "was made before schemas were archived" in refused.value.message
    assert "cannot be restored with schema: BACKUP" in refused.value.message


def test_a_manifest_round_trips_with_its_schema_and_database_and_version_2_still_reads() -> None:
    manifest = Manifest(
        backup_id="bk_x",
        backup_type="partial",
        created_at="2026-01-01T00:00:00+00:00",
        copy_format="text",
        session_settings={"DateStyle": "ISO, YMD"},
        tables=[TableEntry("public.t", "public", "t", "r", [], "k/t", stream_sha256="b" * 64)],
        schema=SchemaEntry("k/schema.dump", 10, 8, "c" * 64, "15.20"),
        database=DatabaseEntry("app", "UTF8", "C.UTF-8", "C.UTF-8", "libc", None, ["a=b"]),
    )
    body = json.loads(manifest.to_json())

    assert body["formatVersion"] == FORMAT_VERSION == 3
    assert body["encryption"] is None  # a plain archive (app/archive/sealing.py seals others)
    assert body["schema"]["pgDumpVersion"] == "15.20"
    assert body["schema"]["format"] == "pg_dump-custom"
    assert body["database"]["localeProvider"] == "libc"
    assert body["tables"][0]["streamSha256"] == "b" * 64
    assert Manifest.from_json(manifest.to_json()) == manifest
    assert require_schema(manifest, "a targetDatabase") == manifest.schema
    assert manifest.objects()["k/schema.dump"] == ("the schema", 8)
    # As version 2 wrote it: no encryption entry at all.
    del body["encryption"]
    version_2 = Manifest.from_json(json.dumps({**body, "formatVersion": 2}).encode())
    assert version_2.encryption is None and version_2.schema == manifest.schema


def test_a_manifest_of_a_newer_format_is_refused() -> None:
    newer = {**VERSION_1, "formatVersion": FORMAT_VERSION + 1}

    with pytest.raises(PreconditionFailed, match="format version 4; this Lifeboat reads"):
        Manifest.from_json(json.dumps(newer).encode())
