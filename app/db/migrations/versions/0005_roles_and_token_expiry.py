"""Roles viewer and operator beside admin and system; API tokens that expire.

Existing admins keep role admin and existing tokens keep no expiry (expires_at NULL).

Revision ID: 0005_roles_and_token_expiry
Revises: 0004_restore_modes
"""

from alembic import op

revision = "0005_roles_and_token_expiry"
down_revision = "0004_restore_modes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE lifeboat.admin_users DROP CONSTRAINT admin_users_role_check")
    op.execute(
        "ALTER TABLE lifeboat.admin_users ADD CONSTRAINT admin_users_role_check "
        "CHECK (role IN ('viewer', 'operator', 'admin', 'system'))"
    )
    op.execute("ALTER TABLE lifeboat.api_tokens ADD COLUMN expires_at TIMESTAMPTZ")


def downgrade() -> None:
    op.execute("ALTER TABLE lifeboat.api_tokens DROP COLUMN expires_at")
    # Accounts of the new roles lose their access rather than gaining admin's.
    op.execute(
        "UPDATE lifeboat.admin_users SET is_active = false, role = 'admin' "
        "WHERE role IN ('viewer', 'operator')"
    )
    op.execute("ALTER TABLE lifeboat.admin_users DROP CONSTRAINT admin_users_role_check")
    op.execute(
        "ALTER TABLE lifeboat.admin_users ADD CONSTRAINT admin_users_role_check "
        "CHECK (role IN ('admin', 'system'))"
    )
