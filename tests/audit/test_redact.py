"""Secrets never reach the audit trail: codes, webhook secrets, tokens, URL passwords."""

import enum
import uuid
from datetime import UTC, datetime

from app.audit.redact import REDACTED, redact


class Kind(enum.Enum):
    FULL = "full"


def test_secret_names_are_redacted_at_any_depth() -> None:
    arguments = {
        "input": {"backupId": "bk_1", "confirmationCode": "ABCD-1234"},
        "secret": "a-webhook-secret-of-some-length",
        "hooks": [{"token": "t", "url": "http://x.test"}],
        "password": "p",
        "encryptionKey": "k",
    }
    assert redact(arguments) == {
        "input": {"backupId": "bk_1", "confirmationCode": REDACTED},
        "secret": REDACTED,
        "hooks": [{"token": REDACTED, "url": "http://x.test"}],
        "password": REDACTED,
        "encryptionKey": REDACTED,
    }


def test_ids_of_secrets_are_not_secrets() -> None:
    token_id = str(uuid.uuid4())
    assert redact({"tokenId": token_id, "secret_key_id": "ab12"}) == {
        "tokenId": token_id,
        "secret_key_id": "ab12",
    }


def test_a_token_or_a_url_password_is_redacted_wherever_it_is() -> None:
    token = "lb_" + "x" * 43
    redacted = redact({"description": token, "url": "https://hook:hunter2@example.com/in"})
    assert redacted == {
        "description": REDACTED,
        "url": f"https://hook:{REDACTED}@example.com/in",
    }


def test_values_become_json() -> None:
    at = datetime(2026, 1, 1, tzinfo=UTC)
    some_id = uuid.uuid4()
    assert redact({"type": Kind.FULL, "at": at, "id": some_id, "n": 3, "on": True, "x": None}) == {
        "type": "FULL",
        "at": "2026-01-01T00:00:00+00:00",
        "id": str(some_id),
        "n": 3,
        "on": True,
        "x": None,
    }
