"""The audit trail: who did what, from where, with what outcome.

Revision ID: 0006_audit_events
Revises: 0005_roles_and_token_expiry
"""

from alembic import op

revision = "0006_audit_events"
down_revision = "0005_roles_and_token_expiry"
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
        CREATE TABLE lifeboat.audit_events (
          id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
          at TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp(),
          actor TEXT NOT NULL CHECK (actor IN ('admin', 'system', 'cli', 'anonymous')),
          admin_id UUID,
          admin_email TEXT,
          token_id UUID,
          client_address TEXT,
          action TEXT NOT NULL,
          arguments JSONB,
          outcome TEXT NOT NULL,
          count INTEGER NOT NULL DEFAULT 1 CHECK (count > 0),
          window_start TIMESTAMPTZ
        );
        CREATE INDEX audit_events_at ON lifeboat.audit_events (at, id);
        CREATE INDEX audit_events_action_at ON lifeboat.audit_events (action, at);
        CREATE INDEX audit_events_admin_email_at ON lifeboat.audit_events (admin_email, at);
        CREATE UNIQUE INDEX audit_events_failed_authentication_window
          ON lifeboat.audit_events (client_address, window_start)
          WHERE window_start IS NOT NULL
        """
    )


def downgrade() -> None:
    op.execute("DROP TABLE lifeboat.audit_events")
