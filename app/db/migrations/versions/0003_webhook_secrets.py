"""Webhook secrets encrypted at rest under LIFEBOAT_ENCRYPTION_KEY.

Adds `webhooks.secret_key_id` (the id of the key that sealed `secret`; NULL while a secret is
stored as it is, which happens only with encryption off) and seals every existing secret when
a key is configured. Without one they stay readable until `lifeboat keys rewrap` runs with a key.

Revision ID: 0003_webhook_secrets
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

from app.crypto.secrets import seal_secret
from app.notifications.secrets import PURPOSE
from app.settings import get_settings

revision = "0003_webhook_secrets"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE lifeboat.webhooks ADD COLUMN secret_key_id TEXT")
    keyring = get_settings().keyring
    if not keyring.enabled:
        return
    rows = op.get_bind().execute(sa.text("SELECT id, secret FROM lifeboat.webhooks")).all()
    for webhook_id, secret in rows:
        stored = seal_secret(keyring, PURPOSE, str(webhook_id), secret)
        op.execute(
            sa.text(
                "UPDATE lifeboat.webhooks SET secret = :secret, secret_key_id = :key_id "
                "WHERE id = :id"
            ).bindparams(secret=stored.value, key_id=stored.key_id, id=webhook_id)
        )


def downgrade() -> None:
    # Sealed secrets cannot be kept readable without the key: refuse rather than lose them.
    sealed = op.get_bind().scalar(
        sa.text("SELECT count(*) FROM lifeboat.webhooks WHERE secret_key_id IS NOT NULL")
    )
    if sealed:
        raise RuntimeError(
            f"{sealed} webhook secret(s) are encrypted; delete those webhooks before downgrading"
        )
    op.execute("ALTER TABLE lifeboat.webhooks DROP COLUMN secret_key_id")
