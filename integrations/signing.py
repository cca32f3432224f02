"""The outbound webhook signature and the endpoints' secrets.

`X-Echo-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`, keyed with the
endpoint's secret. The timestamp is inside the signed text, so a receiver that refuses old
timestamps also refuses a captured request replayed later (docs/webhooks.md shows the check).

An endpoint's secret is derived, not stored: HMAC-SHA256 of the endpoint's random salt under
`ECHO_WEBHOOKS_SECRET_KEY` (by default DJANGO_SECRET_KEY). Changing that key changes every
endpoint's secret (docs/operations.md).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time

from django.conf import settings

SIGNATURE_HEADER = "X-Echo-Signature"
EVENT_ID_HEADER = "X-Echo-Event-Id"
SECRET_PREFIX = "whsec_"
# How old a signature's timestamp may be for `verify` (the check a receiver makes).
DEFAULT_TOLERANCE_SECONDS = 300


def new_salt() -> str:
    return secrets.token_hex(32)


def endpoint_secret(salt: str) -> str:
    """The secret of the endpoint with this salt: the same in every process and on every host."""
    key = (settings.ECHO_WEBHOOKS_SECRET_KEY or settings.SECRET_KEY).encode()
    digest = hmac.new(key, f"integrations.webhook-secret:{salt}".encode(), hashlib.sha256)
    return SECRET_PREFIX + digest.hexdigest()


def signature(body: bytes, secret: str, timestamp: int) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return mac.hexdigest()


def signature_header(body: bytes, secret: str, timestamp: int | None = None) -> str:
    """The header value for `body`, signed now (or at `timestamp`)."""
    t = int(time.time()) if timestamp is None else timestamp
    return f"t={t},v1={signature(body, secret, t)}"


def verify(
    body: bytes,
    header: str | None,
    secret: str,
    *,
    tolerance: int = DEFAULT_TOLERANCE_SECONDS,
    now: float | None = None,
) -> bool:
    """Whether `header` signs `body` with `secret` and is at most `tolerance` seconds old. Any
    `v1=` entry may match (a receiver may be handed several while a secret is being changed)."""
    if not header:
        return False
    parts = [part.strip().partition("=") for part in header.split(",")]
    stamps = [value for key, _, value in parts if key == "t"]
    if len(stamps) != 1 or not stamps[0].isdigit():
        return False
    t = int(stamps[0])
    if abs((time.time() if now is None else now) - t) > tolerance:
        return False
    expected = signature(body, secret, t)
    return any(
        hmac.compare_digest(expected.encode(), value.encode())
        for key, _, value in parts
        if key == "v1"
    )
