"""ECHO's client reads `GET /api/disputes/order/{orderId}` → 404 whose text contains "not found" as
"no dispute yet". The 404 texts are ECHO's: `Dispute not found`, `Order not found`."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from accounts.models import User
from orders.models import Order
from tests.assertions import assert_error
from tests.factories import make_dispute

pytestmark = pytest.mark.django_db

MISSING = 987654321
REASON = "The parcel arrived empty and the seller does not answer."


def test_an_order_without_a_dispute_is_404_dispute_not_found(client_for: Any, order: Order) -> None:
    response = client_for(order.buyer).get(f"/api/disputes/order/{order.pk}")
    body = assert_error(response, 404, "dispute_not_found")
    assert body["error"] == "Dispute not found"
    assert "not found" in body["error"]


def test_once_a_dispute_exists_the_same_call_answers_it(client_for: Any, order: Order) -> None:
    dispute = make_dispute(order=order)
    response = client_for(order.buyer).get(f"/api/disputes/order/{order.pk}")
    assert response.status_code == 200 and response.json()["id"] == dispute.pk


@pytest.mark.parametrize(
    ("method", "path", "body", "text", "code"),
    [
        ("get", f"/api/disputes/order/{MISSING}", None, "Order not found", "order_not_found"),
        ("get", f"/api/disputes/{MISSING}", None, "Dispute not found", "dispute_not_found"),
        (
            "post",
            f"/api/disputes/{MISSING}/messages",
            {"message": "Hello there."},
            "Dispute not found",
            "dispute_not_found",
        ),
        ("get", f"/api/disputes/{MISSING}/messages", None, "Dispute not found", None),
        ("post", f"/api/disputes/{MISSING}/withdraw", {}, "Dispute not found", None),
        ("post", f"/api/disputes/{MISSING}/take-up", {}, "Dispute not found", None),
        ("patch", f"/api/disputes/{MISSING}/close", {"resolution": "x"}, "Dispute not found", None),
        ("post", "/api/disputes", {"orderId": MISSING, "reason": REASON}, "Order not found", None),
        ("get", f"/api/orders/{MISSING}", None, "Order not found", None),
        ("patch", f"/api/orders/{MISSING}/status?status=CANCELLED", None, "Order not found", None),
        ("post", "/api/orders", {"itemId": MISSING}, "Item not found", None),
    ],
)
def test_missing_objects_answer_echos_texts(
    client_for: Any,
    buyer: User,
    method: str,
    path: str,
    body: Any,
    text: str,
    code: str | None,
) -> None:
    client = client_for(buyer)
    response = getattr(client, method)(path, body, format="json")
    error = assert_error(response, 404, code)
    assert error["error"] == text


@pytest.mark.parametrize(
    "path",
    [
        "/api/reviews",
        "/api/reviews/item/1",
        "/api/chat/boards",
        "/api/venues/3",
        "/api/follows/user/1",
        "/api/uploads/avatar",
    ],
)
def test_echos_other_features_are_json_404s(client_for: Any, buyer: User, path: str) -> None:
    # Out of scope here (reviews, chat boards, venues, follows, uploads): a clear JSON 404.
    assert_error(client_for(buyer).get(path), 404, "not_found")


def test_an_unknown_api_path_is_json_404_even_without_a_token(api: APIClient) -> None:
    assert_error(api.post("/api/reviews", {"rating": 5}, format="json"), 404)
