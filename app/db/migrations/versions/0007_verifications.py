"""Restore drills: the verifications table, and schedules' `verify` (on for the seeded ones too).

Revision ID: 0007_verifications
Revises: 0006_audit_events
"""

from alembic import op

revision = "0007_verifications"
down_revision = "0006_audit_events"
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
        CREATE TABLE lifeboat.verifications (
          id UUID DEFAULT gen_random_uuid() PRIMARY KEY,
          backup_id TEXT NOT NULL
            REFERENCES lifeboat.system_backups(backup_id) ON DELETE CASCADE,
          requested_by UUID NOT NULL REFERENCES lifeboat.admin_users(id),
          status TEXT NOT NULL DEFAULT 'running'
            CHECK (status IN ('running', 'passed', 'failed', 'error')),
          started_at TIMESTAMPTZ NOT NULL DEFAULT now(),
          worker_started_at TIMESTAMPTZ,
          finished_at TIMESTAMPTZ,
          error TEXT,
          tables_checked INTEGER,
          rows_checked BIGINT,
          drill_server TEXT,
          scratch_database TEXT,
          progress JSONB,
          heartbeat_at TIMESTAMPTZ,
          CHECK ((status = 'running') = (finished_at IS NULL)),
          CHECK (status IN ('running', 'passed') OR error IS NOT NULL)
        );
        -- One running drill per backup: verifyBackup's INSERT finds the running one instead.
        CREATE UNIQUE INDEX verifications_one_running
          ON lifeboat.verifications (backup_id) WHERE status = 'running';
        CREATE INDEX verifications_latest
          ON lifeboat.verifications (backup_id, started_at DESC);
        ALTER TABLE lifeboat.schedules ADD COLUMN verify BOOLEAN NOT NULL DEFAULT true
        """
    )


def downgrade() -> None:
    _run_each(
        """
        ALTER TABLE lifeboat.schedules DROP COLUMN verify;
        DROP TABLE lifeboat.verifications
        """
    )
