"""ECHO's order client: `PATCH /api/orders/{id}/status?status=...` with no body, and
`order.hasDispute` beside `hasOpenDispute`."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from disputes.models import DisputeStatus
from orders.models import Order, OrderStatus
from tests.assertions import assert_error
from tests.factories import make_dispute, make_order

pytestmark = pytest.mark.django_db


def status_url(order: Order, query: str = "") -> str:
    return f"/api/orders/{order.pk}/status{query}"


def test_buyer_cancels_with_the_status_in_the_query_and_no_body(
    client_for: Any, order: Order
) -> None:
    # Exactly what ECHO's client sends: no body, no Content-Type.
    response = client_for(order.buyer).patch(status_url(order, "?status=CANCELLED"))
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "CANCELLED"
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED


@pytest.mark.parametrize("path_end", ["/status?status=IN_PROGRESS", "/status/?status=IN_PROGRESS"])
def test_seller_moves_with_the_query_with_or_without_slash(
    client_for: Any, order: Order, path_end: str
) -> None:
    response = client_for(order.seller).patch(f"/api/orders/{order.pk}{path_end}")
    assert response.status_code == 200
    assert response.json()["status"] == "IN_PROGRESS"


def test_an_empty_json_body_takes_the_query(client_for: Any, order: Order) -> None:
    response = client_for(order.seller).patch(
        status_url(order, "?status=COMPLETED"), {}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["status"] == "COMPLETED"


def test_body_and_query_that_agree_are_accepted(client_for: Any, order: Order) -> None:
    response = client_for(order.seller).patch(
        status_url(order, "?status=CANCELLED"), {"status": "CANCELLED"}, format="json"
    )
    assert response.status_code == 200


def test_the_body_alone_still_works(client_for: Any, order: Order) -> None:
    response = client_for(order.seller).patch(
        status_url(order), {"status": "CANCELLED"}, format="json"
    )
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("query", "body"),
    [
        ("?status=CANCELLED", {"status": "COMPLETED"}),
        ("?status=CANCELLED&status=COMPLETED", None),
        ("?status=LOST", None),
        ("?status=", None),
        ("", None),
        ("?state=CANCELLED", None),
    ],
    ids=["disagree", "two_in_query", "unknown", "empty", "none", "wrong_name"],
)
def test_a_missing_unknown_or_conflicting_status_is_400(
    client_for: Any, order: Order, query: str, body: Any
) -> None:
    client = client_for(order.seller)
    response = (
        client.patch(status_url(order, query))
        if body is None
        else client.patch(status_url(order, query), body, format="json")
    )
    assert "status" in assert_error(response, 400, "validation_error")["details"]
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING


def test_the_query_cannot_smuggle_an_unknown_body_field(client_for: Any, order: Order) -> None:
    response = client_for(order.seller).patch(
        status_url(order, "?status=CANCELLED"), {"note": "x"}, format="json"
    )
    assert "note" in assert_error(response, 400, "validation_error")["details"]


def test_the_buyer_may_still_only_cancel(client_for: Any, order: Order) -> None:
    response = client_for(order.buyer).patch(status_url(order, "?status=COMPLETED"))
    assert_error(response, 403)


def test_completing_an_order_with_an_open_dispute_is_409(client_for: Any, order: Order) -> None:
    make_dispute(order=order)
    response = client_for(order.seller).patch(status_url(order, "?status=COMPLETED"))
    assert_error(response, 409, "order_has_open_dispute")


# hasDispute ---------------------------------------------------------------------------------


def flags(client: Any, order: Order) -> tuple[bool, bool]:
    body = client.get(f"/api/orders/{order.pk}").json()
    return body["hasDispute"], body["hasOpenDispute"]


def test_has_dispute_follows_any_dispute_open_or_settled(
    client_for: Any, buyer: User, seller: User, staff: User
) -> None:
    order = make_order(buyer=buyer, seller=seller)
    client = client_for(buyer)
    assert flags(client, order) == (False, False)
    dispute = make_dispute(order=order)
    assert flags(client, order) == (True, True)
    dispute = make_dispute(order=make_order(buyer=buyer, seller=seller), state="won", staff=staff)
    assert flags(client, dispute.order) == (True, False)
    listed = {row["id"]: row for row in client.get("/api/orders").json()}
    assert (listed[order.pk]["hasDispute"], listed[order.pk]["hasOpenDispute"]) == (True, True)
    assert listed[dispute.order_id]["hasDispute"] is True
    assert listed[dispute.order_id]["hasOpenDispute"] is False
    assert all(isinstance(row["hasDispute"], bool) for row in listed.values())


def test_has_dispute_after_the_status_patch(client_for: Any, order: Order, staff: User) -> None:
    make_dispute(order=order, state=DisputeStatus.CLOSED, staff=staff)
    response = client_for(order.buyer).patch(status_url(order, "?status=CANCELLED"))
    assert (response.json()["hasDispute"], response.json()["hasOpenDispute"]) == (True, False)


def test_the_order_list_reads_the_flags_in_its_one_query(
    client_for: Any, buyer: User, seller: User
) -> None:
    client = client_for(buyer)
    make_dispute(order=make_order(buyer=buyer, seller=seller))
    with CaptureQueriesContext(connection) as one:
        assert len(client.get("/api/orders").json()) == 1
    for _ in range(19):
        make_dispute(order=make_order(buyer=buyer, seller=seller))
    with CaptureQueriesContext(connection) as twenty:
        assert len(client.get("/api/orders").json()) == 20
    assert len(twenty) == len(one)
