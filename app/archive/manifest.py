"""The manifest: the one source of truth about an archive, written last, verified first.

Format version 2 (JSON, camelCase keys):
- tables: each exported table with its columns (name and SQL type), row count, the object
  holding its COPY stream (zstd-compressed), raw and stored byte counts and the SHA-256 of the
  stored bytes;
- sequences: values of the sequences that belong to the backed-up tables (or every sequence,
  for a full backup);
- uploads: the tar.zst object holding the user uploads (full backups), or null;
- schemaFingerprint: SHA-256 over the tables' column definitions, to tell a changed schema;
- sessionSettings: the settings the COPY streams were written with, to set before loading;
- createdAt: when the export's snapshot was taken (its data is as of that moment);
- schema (v2): the object holding `pg_dump --schema-only --format=custom` of every schema but
  `lifeboat`, taken in the export's snapshot, with the pg_dump version that wrote it;
- database (v2): the database's name, encoding, locale and its own `ALTER DATABASE … SET`
  settings, so a restore into a new database can create it alike;
- each table's streamSha256 (v2): SHA-256 of its uncompressed COPY stream, which a drill
  compares with the rows it reads back;
- encryption (v3, null when the archive is not encrypted): algorithm, key id and wrapped data
  key, and the manifest's MAC (app/archive/sealing.py). In an encrypted archive every object
  is a framed AES-GCM stream and streamSha256 is an HMAC under the data key;
- requestedAt, createdBy (the requester's e-mail), description, metadata (v3, empty before):
  the backup's record as Lifeboat kept it, so `lifeboat catalog rebuild` can re-create it.
Version 1 archives (no schema, no database, no stream digests) are still read; what needs
their schema refuses them with `require_schema`.
A partitioned table is one entry (kind 'p') named by its root: one stream with the rows of all
its partitions, which COPY into the root routes back to the right partitions.
"""

import hashlib
import json
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from app.crypto.datakey import DataKey
from app.errors import PreconditionFailed

FORMAT_NAME = "lifeboat-archive"
FORMAT_VERSION = 3
READABLE_VERSIONS = (1, 2, 3)
SCHEMA_DUMP_FORMAT = "pg_dump-custom"


@dataclass
class ColumnDef:
    name: str
    type: str  # format_type() of the column, e.g. 'timestamp with time zone'


@dataclass
class TableEntry:
    name: str  # display name, schema.table with quote_ident rules
    schema: str
    table: str
    kind: str  # 'r' plain table, 'p' partitioned root (rows of all partitions)
    columns: list[ColumnDef]
    object: str
    rows: int = 0
    raw_bytes: int = 0
    stored_bytes: int = 0
    sha256: str = ""
    # SHA-256 of the uncompressed COPY stream as written; "" in version 1 archives.
    stream_sha256: str = ""


@dataclass
class SequenceEntry:
    name: str
    schema: str
    sequence: str
    last_value: int
    is_called: bool
    owned_by: str | None = None  # display name of the table owning it, if any


@dataclass
class UploadsEntry:
    bucket: str
    object: str
    files: int = 0
    raw_bytes: int = 0
    stored_bytes: int = 0
    sha256: str = ""


@dataclass
class SchemaEntry:
    object: str
    raw_bytes: int = 0
    stored_bytes: int = 0
    sha256: str = ""
    pg_dump_version: str = ""  # e.g. "15.20", from `pg_dump --version`
    format: str = SCHEMA_DUMP_FORMAT


@dataclass
class DatabaseEntry:
    name: str
    encoding: str  # e.g. "UTF8"
    collate: str
    ctype: str
    locale_provider: str  # "libc", "icu" or "builtin"
    icu_locale: str | None = None
    # The database's own settings (ALTER DATABASE … SET), each "name=value", as PostgreSQL
    # stores them; settings for a role in this database are not included.
    settings: list[str] = field(default_factory=list)


@dataclass
class EncryptionEntry:
    algorithm: str
    key_id: str  # of the key-encryption key that wrapped the data key (never the key)
    wrapped_key: str
    # HMAC-SHA256 under the data key of the whole manifest but this field (sealing.py).
    mac: str = ""


@dataclass
class Manifest:
    backup_id: str
    backup_type: str
    created_at: str
    copy_format: str  # as given to COPY: 'text' (the only format Lifeboat writes and reads)
    compression: str = "zstd"
    server_version: str = ""
    # Session settings (DateStyle, IntervalStyle, lc_monetary, …) the COPY streams were written
    # with: text COPY values are parsed correctly only when the load sets the same ones.
    session_settings: dict[str, str] = field(default_factory=dict)
    tables: list[TableEntry] = field(default_factory=list)
    sequences: list[SequenceEntry] = field(default_factory=list)
    uploads: UploadsEntry | None = None
    schema: SchemaEntry | None = None
    database: DatabaseEntry | None = None
    encryption: EncryptionEntry | None = None
    # The backup's record (system_backups) when the export ran; empty before version 3.
    requested_at: str = ""  # its created_at: retention counts from it
    created_by: str = ""  # the requesting admin's e-mail
    description: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)  # scheduleId, preRestoreFor, …
    schema_fingerprint: str = ""
    format: str = FORMAT_NAME
    format_version: int = FORMAT_VERSION
    # The opened data key of an encrypted archive (sealing.open_manifest sets it); never stored.
    data_key: DataKey | None = field(default=None, repr=False, compare=False)

    @property
    def table_names(self) -> list[str]:
        return [table.name for table in self.tables]

    @property
    def stored_bytes(self) -> int:
        return sum(size for _, size in self.objects().values())

    def objects(self) -> dict[str, tuple[str, int]]:
        """Every object the archive stores besides the manifest: key → (what it is, bytes)."""
        listed = {table.object: (table.name, table.stored_bytes) for table in self.tables}
        if self.uploads:
            listed[self.uploads.object] = ("the uploads", self.uploads.stored_bytes)
        if self.schema:
            listed[self.schema.object] = ("the schema", self.schema.stored_bytes)
        return listed

    def document(self) -> dict[str, Any]:
        """The manifest as stored: JSON-ready, camelCase keys."""
        stored = asdict(replace(self, data_key=None))
        del stored["data_key"]
        return dict(_camel(stored))

    def to_json(self) -> bytes:
        return json.dumps(self.document(), indent=1, sort_keys=True).encode()

    @classmethod
    def from_json(cls, data: bytes) -> "Manifest":
        try:
            raw = _snake(json.loads(data))
        except ValueError as error:
            raise PreconditionFailed(f"the backup's manifest is not valid JSON: {error}") from None
        if raw.get("format") != FORMAT_NAME:
            raise PreconditionFailed("the backup's manifest is not a Lifeboat manifest")
        if raw.get("format_version") not in READABLE_VERSIONS:
            raise PreconditionFailed(
                f"the backup's manifest has format version {raw.get('format_version')}; "
                f"this Lifeboat reads versions {', '.join(map(str, READABLE_VERSIONS))}"
            )
        try:
            tables = [
                TableEntry(**{**t, "columns": [ColumnDef(**c) for c in t["columns"]]})
                for t in raw.pop("tables")
            ]
            sequences = [SequenceEntry(**s) for s in raw.pop("sequences")]
            uploads_raw = raw.pop("uploads")
            uploads = UploadsEntry(**uploads_raw) if uploads_raw else None
            schema_raw = raw.pop("schema", None)
            database_raw = raw.pop("database", None)
            encryption_raw = raw.pop("encryption", None)
            raw.pop("data_key", None)  # never stored: a manifest saying so is not believed
            return cls(
                **raw,
                tables=tables,
                sequences=sequences,
                uploads=uploads,
                schema=SchemaEntry(**schema_raw) if schema_raw else None,
                database=DatabaseEntry(**database_raw) if database_raw else None,
                encryption=EncryptionEntry(**encryption_raw) if encryption_raw else None,
            )
        except (KeyError, TypeError) as error:
            raise PreconditionFailed(f"the backup's manifest is incomplete: {error}") from None


def require_schema(manifest: Manifest, mode: str) -> SchemaEntry:
    """The archive's schema dump, or PreconditionFailed if it predates archived schemas.

    `mode` names what needs it, e.g. "schema: BACKUP" or "a targetDatabase".
    """
    if manifest.schema is None:
        raise PreconditionFailed(
            f"backup {manifest.backup_id} was made before schemas were archived (archive "
            f"format version {manifest.format_version}); it cannot be restored with {mode}. "
            "It still restores into existing tables whose columns are unchanged"
        )
    return manifest.schema


def schema_fingerprint(tables: list[TableEntry]) -> str:
    """SHA-256 over every table's name and column definitions, in manifest order."""
    digest = hashlib.sha256()
    for table in sorted(tables, key=lambda t: t.name):
        digest.update(table.name.encode() + b"\x00")
        for column in table.columns:
            digest.update(f"{column.name}\x01{column.type}\x00".encode())
        digest.update(b"\x02")
    return digest.hexdigest()


def _to_camel(key: str) -> str:
    head, *rest = key.split("_")
    return head + "".join(part.title() for part in rest)


def _to_snake(key: str) -> str:
    return "".join("_" + ch.lower() if ch.isupper() else ch for ch in key)


# Maps whose keys are data (PostgreSQL setting names), not field names to convert.
_VERBATIM = {"session_settings", "sessionSettings", "metadata"}


def _camel(value: Any) -> Any:
    if isinstance(value, dict):
        return {_to_camel(k): v if k in _VERBATIM else _camel(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_camel(v) for v in value]
    return value


def _snake(value: Any) -> Any:
    if isinstance(value, dict):
        return {_to_snake(k): v if k in _VERBATIM else _snake(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_snake(v) for v in value]
    return value
