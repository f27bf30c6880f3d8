"""The one settings object: every knob comes from a LIFEBOAT_* environment variable."""

from functools import cached_property, lru_cache
from ipaddress import IPv4Network, IPv6Network, ip_network
from typing import Any

from pydantic import SecretStr, ValidationInfo, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from app.crypto.errors import InvalidKey
from app.crypto.keyring import KeyRing
from app.db.urls import with_database

DEV_SECRET_KEY = "lifeboat-dev-secret-key-change-me"
DEV_S3_ACCESS_KEY = "lifeboat"
DEV_S3_SECRET_KEY = "lifeboat-dev-secret"


class Settings(BaseSettings):
    # hide_input_in_errors: a rejected setting may be a key; an error must never print it.
    model_config = SettingsConfigDict(
        env_prefix="LIFEBOAT_", extra="ignore", hide_input_in_errors=True
    )

    env: str = "dev"
    database_url: str = "postgresql://root@127.0.0.1:5432/lifeboat"
    # Unset or empty: the demo database `make run` creates and fills (demo_database on the
    # server of database_url).
    target_database_url: str = ""
    # Its own demo name lets several dev stacks (and the tests of `make run`) live side by side.
    demo_database: str = "lifeboat_demo"
    # Where `make run` keeps what it starts itself (SeaweedFS's data folder).
    devstack_dir: str = ".lifeboat"
    broker_url: str = "redis://127.0.0.1:6379/0"
    s3_endpoint: str = "127.0.0.1:9000"
    s3_access_key: str = DEV_S3_ACCESS_KEY
    s3_secret_key: SecretStr = SecretStr(DEV_S3_SECRET_KEY)
    s3_secure: bool = False
    s3_region: str = "us-east-1"
    s3_bucket: str = "lifeboat-backups"
    uploads_bucket: str = "app-uploads"
    secret_key: SecretStr = SecretStr(DEV_SECRET_KEY)
    # Encryption at rest (README "Encryption"): base64 of 32 bytes; older keys only open.
    encryption_key: SecretStr = SecretStr("")
    encryption_old_keys: SecretStr = SecretStr("")
    # "off" runs without encrypting new backups (explicitly, in production); "on" or unset:
    # encrypt whenever a key is set.
    encryption: str = ""
    host: str = "127.0.0.1"
    port: int = 8000
    cors_origins: str = ""
    # Queue names get this prefix so several stacks can share one broker.
    queue_prefix: str = ""
    # zstd level for archives. Level 1 measured best on the benchmark's COPY text (bench/README):
    # backups 12-20 % faster, 30 % less worker CPU, and even a slightly smaller archive than 3.
    zstd_level: int = 1
    # Multipart upload part size (bytes); also the upper bound of upload buffering.
    upload_part_size: int = 16 * 1024 * 1024
    # Folder of PostgreSQL's client programs (pg_dump, pg_restore); empty: app/pgtools.py looks
    # in /usr/lib/postgresql/<server major>/bin, then PATH.
    pg_bin_dir: str = ""
    # pg_dump waits this long for a table lock while archiving the schema. A schema change
    # queued behind the export's own locks blocks pg_dump's, and only this timeout ends the
    # wait: the export then lets the change through and takes a new snapshot.
    schema_lock_timeout_seconds: float = 20.0
    # A `creating` backup whose worker still holds its lease but sent no heartbeat for this
    # long is declared hung; a restore no worker started within this long is abandoned (a
    # restore must not run long after it was asked for). A worker that died is seen at once
    # by its lease (app/db/leases.py), not by this.
    stale_after_seconds: int = 120
    heartbeat_seconds: int = 5
    # How often each worker process (and the scheduler, every tick) settles the jobs of dead
    # workers and sends again the messages a broker lost.
    reap_interval_seconds: float = 10.0
    # A backup or restore still waiting for a worker after this long shows in /readyz and
    # /metrics; a backup still waiting after queued_give_up_seconds is failed.
    queued_warn_seconds: int = 300
    # A job waiting this long whose message Redis no longer holds is sent again (the API
    # commits a job, then sends its message: a younger one may be between the two).
    redispatch_after_seconds: int = 15
    queued_give_up_seconds: int = 6 * 3600
    # Connections that load a database a restore creates (targetDatabase, drills), as
    # pg_restore -j: tables and indexes in parallel. One transaction cannot use more than one.
    restore_jobs: int = 2
    # Automated backups: how often `lifeboat scheduler` wakes up to fire due schedules.
    scheduler_tick_seconds: float = 15.0
    # Each health or readiness check gives up after this long.
    health_timeout_seconds: float = 5.0
    # Pre-restore snapshots (metadata.preRestoreFor) are deleted this long after they were taken.
    pre_restore_retention_days: float = 7.0
    # Webhooks from configuration (comma-separated URLs, all events), signed with webhook_secret.
    webhook_urls: str = ""
    webhook_secret: SecretStr = SecretStr("")
    # A delivery is tried this many times, waiting retry_seconds, then twice that, and so on.
    notification_max_attempts: int = 6
    notification_retry_seconds: float = 5.0
    notification_timeout_seconds: float = 10.0
    # E-mail notifications: off unless smtp_host and notify_emails are set.
    smtp_host: str = ""
    smtp_port: int = 25
    smtp_username: str = ""
    smtp_password: SecretStr = SecretStr("")
    smtp_starttls: bool = False
    smtp_from: str = "lifeboat@localhost"
    notify_emails: str = ""
    # Audit rows older than this many days are deleted by the scheduler.
    audit_retention_days: float = 400.0
    # Addresses or networks (comma-separated) of proxies whose X-Forwarded-For is believed.
    trusted_proxies: str = ""
    # Restore drills: scratch databases go to this server (a spare one, its role needs
    # CREATEDB; the URL's database is where CREATE DATABASE runs). Empty: the target's server.
    drill_database_url: str = ""
    # Connections a drill loads its scratch database on, then reads tables back on.
    drill_read_connections: int = 2

    @model_validator(mode="before")
    @classmethod
    def _demo_target_by_default(cls, data: Any) -> Any:
        if isinstance(data, dict) and not data.get("target_database_url"):
            own = data.get("database_url") or cls.model_fields["database_url"].default
            demo = data.get("demo_database") or cls.model_fields["demo_database"].default
            data = {**data, "target_database_url": with_database(own, demo)}
        return data

    @field_validator("database_url", "target_database_url", "drill_database_url")
    @classmethod
    def _plain_postgres_url(cls, value: str, info: ValidationInfo) -> str:
        if info.field_name == "drill_database_url" and not value:
            return value
        if not value.startswith(("postgresql://", "postgres://")):
            raise ValueError("must be a postgresql://user@host:port/db URL")
        return value

    @field_validator("trusted_proxies")
    @classmethod
    def _networks(cls, value: str) -> str:
        for item in value.split(","):
            if item.strip():
                ip_network(item.strip(), strict=False)  # ValueError names the bad one
        return value

    @field_validator("audit_retention_days")
    @classmethod
    def _positive_days(cls, value: float) -> float:
        if value <= 0:
            raise ValueError("must be a positive number of days")
        return value

    @model_validator(mode="after")
    def _refuse_dev_secrets_in_production(self) -> "Settings":
        if self.env == "production" and self.secret_key.get_secret_value() == DEV_SECRET_KEY:
            raise ValueError("LIFEBOAT_SECRET_KEY must be set to a real secret in production")
        if self.webhook_url_list and not self.webhook_secret.get_secret_value():
            raise ValueError("LIFEBOAT_WEBHOOK_URLS needs LIFEBOAT_WEBHOOK_SECRET to sign them")
        return self

    @field_validator("encryption")
    @classmethod
    def _on_or_off(cls, value: str) -> str:
        value = value.strip().lower()
        if value not in ("", "on", "off"):
            raise ValueError("must be 'on' or 'off'")
        return value

    @model_validator(mode="after")
    def _encryption_keys(self) -> "Settings":
        try:
            keyring = self.keyring  # parses every key once, here, so a bad one stops start-up
        except InvalidKey as error:
            raise ValueError(f"LIFEBOAT_ENCRYPTION_KEY / _OLD_KEYS: {error}") from None
        if not keyring.enabled and self.encryption != "off":
            if self.encryption == "on":
                raise ValueError("LIFEBOAT_ENCRYPTION=on needs LIFEBOAT_ENCRYPTION_KEY")
            if self.env == "production":
                raise ValueError(
                    "LIFEBOAT_ENCRYPTION_KEY must be set in production (`lifeboat keys "
                    "generate` makes one), or LIFEBOAT_ENCRYPTION=off to run without encryption"
                )
        return self

    @property
    def keyring(self) -> KeyRing:
        """The key-encryption keys; `enabled` says whether new backups are encrypted.

        Built on each use (microseconds), not cached: a model_copy with other keys must not
        carry the old ring along.
        """
        return KeyRing.from_text(
            self.encryption_key.get_secret_value(),
            self.encryption_old_keys.get_secret_value(),
            enabled=self.encryption != "off",
        )

    @property
    def demo_database_url(self) -> str:
        return with_database(self.database_url, self.demo_database)

    @property
    def target_is_demo(self) -> bool:
        """True when the target is the demo database (LIFEBOAT_TARGET_DATABASE_URL unset)."""
        return self.target_database_url == self.demo_database_url

    @property
    def webhook_url_list(self) -> list[str]:
        return [url.strip() for url in self.webhook_urls.split(",") if url.strip()]

    @property
    def notify_email_list(self) -> list[str]:
        return [address.strip() for address in self.notify_emails.split(",") if address.strip()]

    @cached_property
    def trusted_proxy_networks(self) -> list[IPv4Network | IPv6Network]:
        return [
            ip_network(item.strip(), strict=False)
            for item in self.trusted_proxies.split(",")
            if item.strip()
        ]

    @property
    def cors_origin_list(self) -> list[str]:
        return [origin.strip() for origin in self.cors_origins.split(",") if origin.strip()]

    def queue(self, name: str) -> str:
        return f"{self.queue_prefix}{name}"


@lru_cache
def get_settings() -> Settings:
    return Settings()
