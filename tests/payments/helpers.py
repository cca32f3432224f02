"""Building and sending the payment provider's events, signed like the provider signs them."""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

from django.test import Client

from orders.models import Order

SECRET = "test-webhook-secret"  # settings_test.PAYMENTS_WEBHOOK_SECRET
URL = "/api/webhooks/payments"
FINANCE = "/openapi/2024-07/shoplazza-payment/disputes"
T0 = 1_767_225_600  # 2026-01-01T00:00:00Z


def sign(body: bytes, secret: str = SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def event_doc(
    order: Order,
    *,
    event_id: str = "evt_1",
    type: str = "dispute.created",
    created: int = T0,
    dispute_id: str = "dp_1",
    **data: Any,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "dispute_id": dispute_id,
        "transaction_id": order.transaction_id,
        "reason": "Fraudulent",
        "amount": "60.00",
        "currency": order.currency,
        "status": "needs_response",
        "expiration_time": T0 + 10 * 86400,
    }
    body.update(data)
    return {"id": event_id, "type": type, "created": created, "data": body}


def post_raw(body: bytes, *, signature: str | None = "auto", client: Client | None = None) -> Any:
    headers: dict[str, Any] = {}
    if signature is not None:
        headers["HTTP_X_ECHO_SIGNATURE"] = sign(body) if signature == "auto" else signature
    return (client or Client()).post(URL, data=body, content_type="application/json", **headers)


def post_event(document: Any, **kwargs: Any) -> Any:
    return post_raw(json.dumps(document).encode(), **kwargs)
