"""The one module that knows where a backup's objects live in LIFEBOAT_S3_BUCKET.

Every object of a backup sits under `backups/<backupId>/`; the manifest is written last, so a
prefix without `manifest.json` is never a backup.
"""

BACKUPS_ROOT = "backups/"


def backup_prefix(backup_id: str) -> str:
    return f"{BACKUPS_ROOT}{backup_id}/"


def backup_id_of(prefix: str) -> str:
    """The backup id of a prefix `backup_prefix` made."""
    return prefix.removeprefix(BACKUPS_ROOT).rstrip("/")


def manifest_key(backup_id: str) -> str:
    return f"{backup_prefix(backup_id)}manifest.json"


def table_key(backup_id: str, index: int) -> str:
    # Numbered, not named: table names may hold any character, the manifest maps them.
    return f"{backup_prefix(backup_id)}tables/{index:05d}.copy.zst"


def schema_key(backup_id: str) -> str:
    # pg_dump's custom format, zstd-compressed like every object (decompress, then pg_restore).
    return f"{backup_prefix(backup_id)}schema.dump"


def uploads_key(backup_id: str) -> str:
    return f"{backup_prefix(backup_id)}uploads.tar.zst"


def health_probe_key(token: str) -> str:
    # Outside backups/: a probe is never mistaken for part of a backup.
    return f"health/{token}.probe"
