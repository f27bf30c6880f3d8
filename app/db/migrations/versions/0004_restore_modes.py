"""Restore modes: the database a restore writes, its schema mode, tables and warnings.

One restore at a time per database (server and name) instead of one in all: the unique index
on running restores is re-keyed by `database_key`. Rows written before were all restores of
the configured target, so they get its key.

Revision ID: 0004_restore_modes
Revises: 0003_webhook_secrets
"""

import os
from urllib.parse import urlsplit

import sqlalchemy as sa
from alembic import op

revision = "0004_restore_modes"
down_revision = "0003_webhook_secrets"
branch_labels = None
depends_on = None


def _configured_target_key() -> str:
    # As app.restores.targets.database_key computes it (copied: a migration must not change
    # when the application's code does). An unset target is the demo database of `make run`.
    url = os.environ.get("LIFEBOAT_TARGET_DATABASE_URL") or ""
    if not url:
        own = os.environ.get("LIFEBOAT_DATABASE_URL") or "postgresql://root@127.0.0.1:5432/lifeboat"
        demo = os.environ.get("LIFEBOAT_DEMO_DATABASE") or "lifeboat_demo"
        url = urlsplit(own)._replace(path="/" + demo).geturl()
    parts = urlsplit(url)
    host = (parts.hostname or "localhost").lower()
    return f"{host}:{parts.port or 5432}/{parts.path.lstrip('/')}"


def upgrade() -> None:
    op.execute(
        """
        ALTER TABLE lifeboat.restore_operations
          ADD COLUMN target_database TEXT,
          ADD COLUMN database_key TEXT,
          ADD COLUMN schema_mode TEXT NOT NULL DEFAULT 'current'
            CONSTRAINT restore_operations_schema_mode CHECK (schema_mode IN ('current', 'backup')),
          ADD COLUMN tables_requested JSONB,
          ADD COLUMN warnings JSONB NOT NULL DEFAULT '[]'::jsonb,
          ADD COLUMN created_database BOOLEAN NOT NULL DEFAULT false
        """
    )
    op.execute(
        sa.text("UPDATE lifeboat.restore_operations SET database_key = :key").bindparams(
            key=_configured_target_key()
        )
    )
    op.execute("ALTER TABLE lifeboat.restore_operations ALTER COLUMN database_key SET NOT NULL")
    op.execute("DROP INDEX lifeboat.restore_operations_one_running")
    op.execute(
        "CREATE UNIQUE INDEX restore_operations_one_running_per_database"
        " ON lifeboat.restore_operations (database_key) WHERE status = 'in_progress'"
    )


def downgrade() -> None:
    op.execute("DROP INDEX lifeboat.restore_operations_one_running_per_database")
    op.execute(
        "CREATE UNIQUE INDEX restore_operations_one_running"
        " ON lifeboat.restore_operations ((true)) WHERE status = 'in_progress'"
    )
    op.execute(
        """
        ALTER TABLE lifeboat.restore_operations
          DROP COLUMN target_database, DROP COLUMN database_key, DROP COLUMN schema_mode,
          DROP COLUMN tables_requested, DROP COLUMN warnings, DROP COLUMN created_database
        """
    )
