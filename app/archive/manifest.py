"""The manifest: the one source of truth about an archive, written last, verified first.

Format version 1 (JSON, camelCase keys):
- tables: each exported table with its columns (name and SQL type), row count, the object
  holding its COPY stream (zstd-compressed), raw and stored byte counts and the SHA-256 of the
  stored bytes;
- sequences: values of the sequences that belong to the backed-up tables (or every sequence,
  for a full backup);
- uploads: the tar.zst object holding the user uploads (full backups), or null;
- schemaFingerprint: SHA-256 over the tables' column definitions, to tell a changed schema;
- sessionSettings: the settings the COPY streams were written with, to set before loading;
- createdAt: when the export's snapshot was taken (its data is as of that moment).
A partitioned table is one entry (kind 'p') named by its root: one stream with the rows of all
its partitions, which COPY into the root routes back to the right partitions.
"""

import hashlib
import json
from dataclasses import asdict, dataclass, field
from typing import Any

from app.errors import PreconditionFailed

FORMAT_NAME = "lifeboat-archive"
FORMAT_VERSION = 1


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
    schema_fingerprint: str = ""
    format: str = FORMAT_NAME
    format_version: int = FORMAT_VERSION

    @property
    def table_names(self) -> list[str]:
        return [table.name for table in self.tables]

    @property
    def stored_bytes(self) -> int:
        uploads = self.uploads.stored_bytes if self.uploads else 0
        return sum(table.stored_bytes for table in self.tables) + uploads

    def to_json(self) -> bytes:
        return json.dumps(_camel(asdict(self)), indent=1, sort_keys=True).encode()

    @classmethod
    def from_json(cls, data: bytes) -> "Manifest":
        try:
            raw = _snake(json.loads(data))
        except ValueError as error:
            raise PreconditionFailed(f"the backup's manifest is not valid JSON: {error}") from None
        if raw.get("format") != FORMAT_NAME:
            raise PreconditionFailed("the backup's manifest is not a Lifeboat manifest")
        if raw.get("format_version") != FORMAT_VERSION:
            raise PreconditionFailed(
                f"the backup's manifest has format version {raw.get('format_version')}; "
                f"this Lifeboat reads version {FORMAT_VERSION}"
            )
        try:
            tables = [
                TableEntry(**{**t, "columns": [ColumnDef(**c) for c in t["columns"]]})
                for t in raw.pop("tables")
            ]
            sequences = [SequenceEntry(**s) for s in raw.pop("sequences")]
            uploads_raw = raw.pop("uploads")
            uploads = UploadsEntry(**uploads_raw) if uploads_raw else None
            return cls(**raw, tables=tables, sequences=sequences, uploads=uploads)
        except (KeyError, TypeError) as error:
            raise PreconditionFailed(f"the backup's manifest is incomplete: {error}") from None


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
_VERBATIM = {"session_settings", "sessionSettings"}


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
