"""Webhook secrets at rest: sealed under the current encryption key, opened to sign a delivery."""

from app.crypto.keyring import KeyRing
from app.crypto.secrets import StoredSecret, open_secret, reseal_secret, seal_secret
from app.db.schedule_models import Webhook

PURPOSE = "webhook secret"


def store(keyring: KeyRing, hook: Webhook, secret: str) -> None:
    """Set the hook's stored secret (its id must be set: the sealed value is bound to it)."""
    stored = seal_secret(keyring, PURPOSE, str(hook.id), secret)
    hook.secret, hook.secret_key_id = stored.value, stored.key_id


def reveal(keyring: KeyRing, hook: Webhook) -> str:
    """The secret that signs the hook's deliveries."""
    return open_secret(
        keyring, PURPOSE, str(hook.id), StoredSecret(hook.secret, hook.secret_key_id)
    )


def reseal(keyring: KeyRing, hook: Webhook) -> bool:
    """Seal the hook's secret under the current key; False if it already was."""
    fresh = reseal_secret(
        keyring, PURPOSE, str(hook.id), StoredSecret(hook.secret, hook.secret_key_id)
    )
    if fresh is None:
        return False
    hook.secret, hook.secret_key_id = fresh.value, fresh.key_id
    return True
