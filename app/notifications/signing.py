"""Webhook signatures: HMAC-SHA256 of the raw body with the webhook's secret, GitHub-style."""

import hashlib
import hmac

SIGNATURE_HEADER = "X-Lifeboat-Signature"
EVENT_HEADER = "X-Lifeboat-Event"
DELIVERY_HEADER = "X-Lifeboat-Delivery"


def signature(secret: str, body: bytes) -> str:
    """`sha256=<hex digest>`, the value of the X-Lifeboat-Signature header."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify(secret: str, body: bytes, header: str) -> bool:
    """What a receiver does: recompute and compare in constant time."""
    return hmac.compare_digest(signature(secret, body), header)
