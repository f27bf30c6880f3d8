"""Lists paged by (creation time, id), and a NOTIFY whenever a backup or restore changes.

The indexes serve `backups` / `restoreOperations` newest first with a cursor (and `backups` by
status). The trigger tells every API process listening on channel `lifeboat_jobs` which job
changed (`backup:<backupId>` or `restore:<id>`, far below NOTIFY's 8000-byte limit), at
commit, whoever wrote the row: worker, reaper, scheduler or API. A heartbeat alone is no news.

Revision ID: 0008_job_lists_and_notify
Revises: 0007_verifications
"""

from alembic import op

revision = "0008_job_lists_and_notify"
down_revision = "0007_verifications"
branch_labels = None
depends_on = None

NOTIFY_FUNCTION = """
CREATE FUNCTION lifeboat.notify_job_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  kind text := CASE TG_TABLE_NAME WHEN 'system_backups' THEN 'backup' ELSE 'restore' END;
BEGIN
  IF TG_OP = 'DELETE' THEN
    PERFORM pg_notify('lifeboat_jobs', kind || ':' ||
      CASE kind WHEN 'backup' THEN OLD.backup_id ELSE OLD.id::text END);
  ELSIF (to_jsonb(NEW) - 'heartbeat_at') IS DISTINCT FROM (to_jsonb(OLD) - 'heartbeat_at') THEN
    PERFORM pg_notify('lifeboat_jobs', kind || ':' ||
      CASE kind WHEN 'backup' THEN NEW.backup_id ELSE NEW.id::text END);
  END IF;
  RETURN NULL;
END $$
"""

UPGRADE = [
    "DROP INDEX lifeboat.system_backups_created_at",
    "CREATE INDEX system_backups_created_at_id ON lifeboat.system_backups (created_at, id)",
    "CREATE INDEX system_backups_status_created_at_id"
    " ON lifeboat.system_backups (status, created_at, id)",
    "DROP INDEX lifeboat.restore_operations_started_at",
    "CREATE INDEX restore_operations_started_at_id"
    " ON lifeboat.restore_operations (started_at, id)",
    NOTIFY_FUNCTION,
    "CREATE TRIGGER system_backups_notify AFTER UPDATE OR DELETE ON lifeboat.system_backups"
    " FOR EACH ROW EXECUTE FUNCTION lifeboat.notify_job_change()",
    "CREATE TRIGGER restore_operations_notify AFTER UPDATE OR DELETE"
    " ON lifeboat.restore_operations FOR EACH ROW EXECUTE FUNCTION lifeboat.notify_job_change()",
]

DOWNGRADE = [
    "DROP TRIGGER restore_operations_notify ON lifeboat.restore_operations",
    "DROP TRIGGER system_backups_notify ON lifeboat.system_backups",
    "DROP FUNCTION lifeboat.notify_job_change()",
    "DROP INDEX lifeboat.restore_operations_started_at_id",
    "CREATE INDEX restore_operations_started_at ON lifeboat.restore_operations (started_at)",
    "DROP INDEX lifeboat.system_backups_status_created_at_id",
    "DROP INDEX lifeboat.system_backups_created_at_id",
    "CREATE INDEX system_backups_created_at ON lifeboat.system_backups (created_at)",
]


def upgrade() -> None:
    for statement in UPGRADE:
        op.execute(statement)


def downgrade() -> None:
    for statement in DOWNGRADE:
        op.execute(statement)
