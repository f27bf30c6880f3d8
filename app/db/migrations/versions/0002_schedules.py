"""Schedules, their runs, pins and tombstones on backups, webhooks and notification deliveries.

Also the seed's two pg_cron schedules and the system account that scheduled backups are made by.

Revision ID: 0002
Revises: 0001
"""

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op
from croniter import croniter

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

SYSTEM_ACCOUNT_EMAIL = "system@lifeboat.local"  # app.auth.service.SYSTEM_ACCOUNT_EMAIL
# The seed's pg_cron jobs; pg_cron runs in GMT unless told otherwise, hence UTC.
SEED_SCHEDULES = [
    ("daily-system-backup", "0 2 * * *", "scheduled", "The seed's daily system backup", 7, 7, 4, 3),
    ("weekly-full-backup", "0 1 * * 0", "full", "The seed's weekly full backup", 4, 0, 8, 6),
]


def _run_each(script: str) -> None:
    # asyncpg prepares each statement, so a script runs one statement at a time.
    for statement in script.split(";"):
        if statement.strip():
            op.execute(statement)


def upgrade() -> None:
    _run_each(
        """
        ALTER TABLE lifeboat.system_backups
          ADD COLUMN pinned BOOLEAN NOT NULL DEFAULT false,
          ADD COLUMN deleted_at TIMESTAMPTZ;
        CREATE INDEX system_backups_schedule_id
          ON lifeboat.system_backups ((metadata->>'scheduleId'));

        CREATE TABLE lifeboat.schedules (
          id UUID DEFAULT gen_random_uuid() PRIMARY KEY,
          name TEXT NOT NULL UNIQUE,
          cron TEXT NOT NULL,
          timezone TEXT NOT NULL DEFAULT 'UTC',
          backup_type TEXT NOT NULL CHECK (backup_type IN ('scheduled', 'full', 'partial')),
          tables JSONB,
          description TEXT,
          keep_last INTEGER CHECK (keep_last >= 0),
          keep_daily INTEGER CHECK (keep_daily >= 0),
          keep_weekly INTEGER CHECK (keep_weekly >= 0),
          keep_monthly INTEGER CHECK (keep_monthly >= 0),
          enabled BOOLEAN NOT NULL DEFAULT true,
          next_run_at TIMESTAMPTZ NOT NULL,
          last_due_at TIMESTAMPTZ,
          last_fired_at TIMESTAMPTZ,
          last_backup_id TEXT,
          created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
          updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
          CHECK (backup_type <> 'partial' OR coalesce(jsonb_array_length(tables), 0) > 0)
        );

        CREATE TABLE lifeboat.schedule_runs (
          schedule_id UUID NOT NULL REFERENCES lifeboat.schedules(id) ON DELETE CASCADE,
          due_at TIMESTAMPTZ NOT NULL,
          fired_at TIMESTAMPTZ NOT NULL DEFAULT now(),
          backup_id TEXT,
          retention_applied_at TIMESTAMPTZ,
          PRIMARY KEY (schedule_id, due_at)
        );
        CREATE INDEX schedule_runs_retention_pending
          ON lifeboat.schedule_runs (fired_at) WHERE retention_applied_at IS NULL;

        CREATE TABLE lifeboat.webhooks (
          id UUID DEFAULT gen_random_uuid() PRIMARY KEY,
          url TEXT NOT NULL,
          secret TEXT NOT NULL,
          events JSONB NOT NULL,
          enabled BOOLEAN NOT NULL DEFAULT true,
          description TEXT,
          created_at TIMESTAMPTZ NOT NULL DEFAULT now()
        );

        CREATE TABLE lifeboat.notification_deliveries (
          id UUID DEFAULT gen_random_uuid() PRIMARY KEY,
          event TEXT NOT NULL,
          subject_id TEXT NOT NULL,
          channel TEXT NOT NULL CHECK (channel IN ('webhook', 'email')),
          destination TEXT NOT NULL,
          webhook_id UUID REFERENCES lifeboat.webhooks(id) ON DELETE SET NULL,
          body TEXT NOT NULL,
          status TEXT NOT NULL DEFAULT 'pending'
            CHECK (status IN ('pending', 'delivered', 'failed')),
          attempts INTEGER NOT NULL DEFAULT 0,
          last_error TEXT,
          created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
          last_attempt_at TIMESTAMPTZ,
          delivered_at TIMESTAMPTZ,
          UNIQUE (event, subject_id, channel, destination)
        );
        CREATE INDEX notification_deliveries_created_at
          ON lifeboat.notification_deliveries (created_at);
        """
    )
    op.execute(
        sa.text(
            "INSERT INTO lifeboat.admin_users (email, display_name, role) "
            "VALUES (:email, 'Lifeboat scheduler', 'system') ON CONFLICT (email) DO NOTHING"
        ).bindparams(email=SYSTEM_ACCOUNT_EMAIL)
    )
    now = datetime.now(UTC)
    for name, cron, backup_type, description, last, daily, weekly, monthly in SEED_SCHEDULES:
        # The first due time after now: a fresh install never fires for a time before it existed.
        next_run_at = croniter(cron, now).get_next(datetime)
        op.execute(
            sa.text(
                "INSERT INTO lifeboat.schedules (name, cron, timezone, backup_type, description, "
                "keep_last, keep_daily, keep_weekly, keep_monthly, next_run_at) VALUES "
                "(:name, :cron, 'UTC', :backup_type, :description, "
                ":last, :daily, :weekly, :monthly, :next_run_at)"
            ).bindparams(
                name=name,
                cron=cron,
                backup_type=backup_type,
                description=description,
                last=last,
                daily=daily,
                weekly=weekly,
                monthly=monthly,
                next_run_at=next_run_at,
            )
        )


def downgrade() -> None:
    _run_each(
        """
        DROP TABLE lifeboat.notification_deliveries;
        DROP TABLE lifeboat.webhooks;
        DROP TABLE lifeboat.schedule_runs;
        DROP TABLE lifeboat.schedules;
        DROP INDEX lifeboat.system_backups_schedule_id;
        ALTER TABLE lifeboat.system_backups DROP COLUMN deleted_at, DROP COLUMN pinned;
        DELETE FROM lifeboat.admin_users WHERE email = 'system@lifeboat.local'
          AND NOT EXISTS (SELECT 1 FROM lifeboat.system_backups b
                          WHERE b.created_by = lifeboat.admin_users.id)
        """
    )

