"""Lifeboat's own tables: admins, API tokens, backups and restore operations (seed names).

Revision ID: 0001
Revises:
"""

from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _run_each(script: str) -> None:
    # asyncpg prepares each statement, so a script runs one statement at a time.
    for statement in script.split(";"):
        if statement.strip():
            op.execute(statement)


def upgrade() -> None:
    _run_each(
        """
        CREATE TABLE lifeboat.admin_users (
          id UUID DEFAULT gen_random_uuid() PRIMARY KEY,
          email TEXT NOT NULL UNIQUE,
          display_name TEXT,
          role TEXT NOT NULL DEFAULT 'admin' CHECK (role IN ('admin', 'system')),
          is_active BOOLEAN NOT NULL DEFAULT true,
          created_at TIMESTAMPTZ NOT NULL DEFAULT now()
        );

        CREATE TABLE lifeboat.api_tokens (
          id UUID DEFAULT gen_random_uuid() PRIMARY KEY,
          admin_user_id UUID NOT NULL REFERENCES lifeboat.admin_users(id) ON DELETE CASCADE,
          token_hash TEXT NOT NULL UNIQUE,
          name TEXT,
          created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
          last_used_at TIMESTAMPTZ,
          revoked_at TIMESTAMPTZ
        );
        CREATE INDEX api_tokens_admin_user_id ON lifeboat.api_tokens (admin_user_id);

        CREATE TABLE lifeboat.system_backups (
          id UUID DEFAULT gen_random_uuid() PRIMARY KEY,
          backup_id TEXT UNIQUE NOT NULL,
          created_by UUID NOT NULL REFERENCES lifeboat.admin_users(id),
          backup_type TEXT NOT NULL CHECK (backup_type IN ('full', 'partial', 'scheduled')),
          status TEXT NOT NULL DEFAULT 'creating'
            CHECK (status IN ('creating', 'completed', 'failed')),
          file_path TEXT,
          file_size_bytes BIGINT,
          tables_included JSONB,
          description TEXT,
          metadata JSONB,
          created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
          completed_at TIMESTAMPTZ,
          error_message TEXT,
          progress JSONB,
          heartbeat_at TIMESTAMPTZ
        );
        CREATE INDEX system_backups_created_at ON lifeboat.system_backups (created_at);

        CREATE TABLE lifeboat.restore_operations (
          id UUID DEFAULT gen_random_uuid() PRIMARY KEY,
          backup_id TEXT NOT NULL REFERENCES lifeboat.system_backups(backup_id),
          initiated_by UUID NOT NULL REFERENCES lifeboat.admin_users(id),
          status TEXT NOT NULL DEFAULT 'in_progress'
            CHECK (status IN ('in_progress', 'completed', 'failed')),
          started_at TIMESTAMPTZ NOT NULL DEFAULT now(),
          completed_at TIMESTAMPTZ,
          tables_restored JSONB,
          records_count JSONB,
          error_log TEXT,
          pre_restore_backup_id TEXT,
          progress JSONB,
          heartbeat_at TIMESTAMPTZ,
          worker_started_at TIMESTAMPTZ
        );
        CREATE INDEX restore_operations_started_at ON lifeboat.restore_operations (started_at);
        CREATE UNIQUE INDEX restore_operations_one_running -- a second running restore fails
          ON lifeboat.restore_operations ((true)) WHERE status = 'in_progress';
        """
    )


def downgrade() -> None:
    _run_each(
        """
        DROP TABLE lifeboat.restore_operations;
        DROP TABLE lifeboat.system_backups;
        DROP TABLE lifeboat.api_tokens;
        DROP TABLE lifeboat.admin_users;
        """
    )
