"""API wiring of docs/design.md §6: shapes, field names, validation 400s, 409s, the error body."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import Any

import pytest
from rest_framework.test import APIClient

from accounts.models import User
from disputes import services
from disputes.models import Dispute, Message
from orders.models import Order
from tests.assertions import assert_error
from tests.disputes.helpers import DISPUTE_EXTRA_FIELDS, DISPUTE_FIELDS, MESSAGE_FIELDS, REASON
from tests.echo.helpers import exact, money
from tests.factories import make_dispute

pytestmark = pytest.mark.django_db


@pytest.fixture
def as_buyer(buyer: User, client_for: Callable[..., APIClient]) -> APIClient:
    return client_for(buyer)


@pytest.fixture
def as_staff(staff: User, client_for: Callable[..., APIClient]) -> APIClient:
    return client_for(staff)


def _iso(value: str) -> datetime:
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    assert parsed.utcoffset() is not None, f"{value} has no offset"
    return parsed


# --- shapes ---------------------------------------------------------------------------------------


def test_open_returns_the_echo_dispute_shape(
    as_buyer: APIClient, order: Order, buyer: User
) -> None:
    response = as_buyer.post(
        "/api/disputes",
        {"orderId": order.pk, "reason": REASON, "reasonCode": "product_not_received"},
        format="json",
    )
    assert response.status_code == 201
    data = response.json()
    assert set(data) == DISPUTE_FIELDS | DISPUTE_EXTRA_FIELDS | {
        "messages",
        "messageCount",
        "moreMessages",
        "messagesUrl",
        "evidence",
        "openOffer",
    }
    assert data["orderId"] == order.pk
    assert data["createdByUserId"] == buyer.pk
    assert data["createdByUsername"] == buyer.username
    assert data["reason"] == REASON
    assert data["reasonCode"] == "product_not_received"
    assert (data["status"], data["state"]) == ("OPEN", "needs_response")
    assert data["outcome"] is None and data["resolution"] is None and data["closedAt"] is None
    assert (money(exact(response)["amount"]), data["currency"]) == ("100.00", "EUR")
    assert data["kind"] == "order" and data["refundAmount"] is None
    assert data["messages"] == []
    created = _iso(data["createdAt"])
    assert _iso(data["respondBy"]) > created
    assert _iso(data["updatedAt"]) == created


def test_message_shape(as_buyer: APIClient, buyer: User, order: Order) -> None:
    dispute = make_dispute(order=order)
    response = as_buyer.post(
        f"/api/disputes/{dispute.pk}/messages", {"message": "Any news?"}, format="json"
    )
    assert response.status_code == 201
    data = response.json()
    assert set(data) == MESSAGE_FIELDS
    assert data["disputeId"] == dispute.pk
    assert (data["userId"], data["username"]) == (buyer.pk, buyer.username)
    assert (data["message"], data["visibility"]) == ("Any news?", "public")
    _iso(data["createdAt"])
    detail = as_buyer.get(f"/api/disputes/{dispute.pk}").json()
    assert detail["messages"] == [data]
    assert as_buyer.get(f"/api/disputes/{dispute.pk}/messages").json() == [data]


def test_list_items_use_the_dispute_shape_without_the_thread(
    as_buyer: APIClient, order: Order
) -> None:
    make_dispute(order=order)
    for path in ("/api/disputes", "/api/disputes/open", "/api/disputes/user/my-disputes"):
        (item,) = as_buyer.get(path).json()
        assert set(item) == DISPUTE_FIELDS | DISPUTE_EXTRA_FIELDS, path


@pytest.mark.parametrize(
    ("state", "status"),
    [
        ("needs_response", "OPEN"),
        ("under_review", "OPEN"),
        ("won", "CLOSED"),
        ("lost", "CLOSED"),
        ("closed", "CLOSED"),
    ],
)
def test_status_is_open_or_closed_and_state_is_the_lifecycle(
    state: str, status: str, as_buyer: APIClient, order: Order, staff: User
) -> None:
    dispute = make_dispute(order=order, state=state, staff=staff)
    data = as_buyer.get(f"/api/disputes/{dispute.pk}").json()
    assert (data["status"], data["state"]) == (status, state)
    assert (data["closedAt"] is None) == (status == "OPEN")
    assert (data["resolution"] is None) == (status == "OPEN")


def test_close_answers_with_the_decision(as_staff: APIClient, order: Order, staff: User) -> None:
    dispute = make_dispute(order=order, amount=Decimal("60.00"))
    response = as_staff.patch(
        f"/api/disputes/{dispute.pk}/close",
        {"resolution": "Refund the buyer.", "outcome": "lost", "refundAmount": "30.50"},
        format="json",
    )
    assert response.status_code == 200
    data = response.json()
    assert (data["status"], data["state"], data["outcome"]) == ("CLOSED", "lost", "lost")
    assert data["resolution"] == "Refund the buyer."
    assert money(exact(response)["refundAmount"]) == "30.50"
    _iso(data["closedAt"])


def test_close_without_outcome_closes_without_winner(as_staff: APIClient, order: Order) -> None:
    dispute = make_dispute(order=order)
    data = as_staff.patch(
        f"/api/disputes/{dispute.pk}/close", {"resolution": "Settled."}, format="json"
    ).json()
    assert (data["status"], data["state"], data["outcome"]) == ("CLOSED", "closed", None)


def test_withdraw_answers_with_outcome_withdrawn(as_buyer: APIClient, order: Order) -> None:
    dispute = make_dispute(order=order)
    data = as_buyer.post(f"/api/disputes/{dispute.pk}/withdraw").json()
    assert (data["state"], data["outcome"]) == ("closed", "withdrawn")


def test_for_order_prefers_the_open_dispute_else_the_latest(
    as_buyer: APIClient, order: Order, staff: User
) -> None:
    first = make_dispute(order=order, state="won", staff=staff)
    assert as_buyer.get(f"/api/disputes/order/{order.pk}").json()["id"] == first.pk
    second = make_dispute(order=order, state="closed", staff=staff)
    assert as_buyer.get(f"/api/disputes/order/{order.pk}").json()["id"] == second.pk
    third = make_dispute(order=order)
    data = as_buyer.get(f"/api/disputes/order/{order.pk}").json()
    assert data["id"] == third.pk and "messages" in data


def test_amount_accepts_number_or_string(as_buyer: APIClient, order: Order) -> None:
    response = as_buyer.post(
        "/api/disputes", {"orderId": order.pk, "reason": REASON, "amount": 12.5}, format="json"
    )
    assert response.status_code == 201
    assert money(exact(response)["amount"]) == "12.50"


# --- 400 ------------------------------------------------------------------------------------------

OPEN_400 = [
    ({"reason": REASON}, "orderId"),
    ({"orderId": "{order}"}, "reason"),
    ({"orderId": "{order}", "reason": "x" * 9}, "reason"),
    ({"orderId": "{order}", "reason": "x" * 501}, "reason"),
    ({"orderId": "{order}", "reason": "          "}, "reason"),
    ({"orderId": "{order}", "reason": None}, "reason"),
    ({"orderId": "{order}", "reason": REASON, "reasoncode": "general"}, "reasoncode"),
    ({"orderId": "{order}", "reason": REASON, "status": "CLOSED"}, "status"),
    ({"orderId": "{order}", "reason": REASON, "reasonCode": "bored"}, "reasonCode"),
    ({"orderId": "{order}", "reason": REASON, "amount": "100.01"}, "amount"),
    ({"orderId": "{order}", "reason": REASON, "amount": "0"}, "amount"),
    ({"orderId": "{order}", "reason": REASON, "amount": "-3"}, "amount"),
    ({"orderId": "{order}", "reason": REASON, "amount": "1.234"}, "amount"),
    ({"orderId": "{order}", "reason": REASON, "amount": "NaN"}, "amount"),
    ({"orderId": "{order}", "reason": REASON, "amount": True}, "amount"),
    ({"orderId": "{order}", "reason": REASON, "currency": "USD"}, "currency"),
    ({"orderId": "{order}", "reason": REASON, "currency": "eur"}, "currency"),
    ({"orderId": "abc", "reason": REASON}, "orderId"),
    ({"orderId": 0, "reason": REASON}, "orderId"),
    ({"orderId": 2**70, "reason": REASON}, "orderId"),
]


@pytest.mark.parametrize(("body", "field"), OPEN_400, ids=[f for _, f in OPEN_400])
def test_open_validation_is_400(
    body: dict[str, Any], field: str, as_buyer: APIClient, order: Order
) -> None:
    payload = {k: (order.pk if v == "{order}" else v) for k, v in body.items()}
    response = as_buyer.post("/api/disputes", payload, format="json")
    error = assert_error(response, 400)
    assert field in error["details"], error
    assert not Dispute.objects.exists()


@pytest.mark.parametrize("raw", ["[]", '"text"', "not json", "{"])
def test_body_that_is_not_a_json_object_is_400(raw: str, as_buyer: APIClient) -> None:
    response = as_buyer.post("/api/disputes", raw, content_type="application/json")
    assert_error(response, 400)


def test_form_encoded_body_is_415(as_buyer: APIClient, order: Order) -> None:
    response = as_buyer.post(
        "/api/disputes",
        f"orderId={order.pk}&reason=Broken+on+arrival",
        content_type="application/x-www-form-urlencoded",
    )
    assert_error(response, 415)


MESSAGE_400 = [
    ({}, "message"),
    ({"message": ""}, "message"),
    ({"message": "   \n "}, "message"),
    ({"message": "m" * 2001}, "message"),
    ({"message": None}, "message"),
    ({"message": "Hi", "visibility": "secret"}, "visibility"),
    ({"message": "Hi", "author": 1}, "author"),
]


@pytest.mark.parametrize(
    ("body", "field"), MESSAGE_400, ids=[f"{f}-{i}" for i, (_, f) in enumerate(MESSAGE_400)]
)
def test_message_validation_is_400(
    body: dict[str, Any], field: str, as_buyer: APIClient, order: Order
) -> None:
    dispute = make_dispute(order=order)
    response = as_buyer.post(f"/api/disputes/{dispute.pk}/messages", body, format="json")
    error = assert_error(response, 400)
    assert field in error["details"], error
    assert not Message.objects.exists()


def test_message_of_2000_characters_is_accepted(as_buyer: APIClient, order: Order) -> None:
    dispute = make_dispute(order=order)
    response = as_buyer.post(
        f"/api/disputes/{dispute.pk}/messages", {"message": "m" * 2000}, format="json"
    )
    assert response.status_code == 201


CLOSE_400 = [
    ({}, "resolution"),
    ({"resolution": "  "}, "resolution"),
    ({"resolution": "Done.", "outcome": "draw"}, "outcome"),
    ({"resolution": "Done.", "outcome": "expired"}, "outcome"),
    ({"resolution": "Done.", "outcome": "won", "refundAmount": "5.00"}, "refundAmount"),
    ({"resolution": "Done.", "refundAmount": "5.00"}, "refundAmount"),
    ({"resolution": "Done.", "outcome": "lost", "refundAmount": "100.01"}, "refundAmount"),
    ({"resolution": "Done.", "outcome": "lost", "refundAmount": "0"}, "refundAmount"),
    ({"resolution": "Done.", "outcome": "lost", "refundAmount": "9.999"}, "refundAmount"),
    ({"resolution": "Done.", "state": "won"}, "state"),
]


@pytest.mark.parametrize(
    ("body", "field"), CLOSE_400, ids=[f"{f}-{i}" for i, (_, f) in enumerate(CLOSE_400)]
)
def test_close_validation_is_400(
    body: dict[str, Any], field: str, as_staff: APIClient, order: Order
) -> None:
    dispute = make_dispute(order=order)
    response = as_staff.patch(f"/api/disputes/{dispute.pk}/close", body, format="json")
    error = assert_error(response, 400)
    assert field in error["details"], error
    dispute.refresh_from_db()
    assert dispute.is_open


@pytest.mark.parametrize("path", ["withdraw", "take-up"])
def test_unknown_field_on_empty_body_actions_is_400(
    path: str, client_for: Callable[..., APIClient], buyer: User, staff: User, order: Order
) -> None:
    dispute = make_dispute(order=order)
    client = client_for(buyer if path == "withdraw" else staff)
    response = client.post(f"/api/disputes/{dispute.pk}/{path}", {"force": True}, format="json")
    assert "force" in assert_error(response, 400)["details"]
    dispute.refresh_from_db()
    assert dispute.status == "needs_response"


# --- 409 ------------------------------------------------------------------------------------------


def test_second_open_dispute_is_409(
    as_buyer: APIClient, client_for: Callable[..., APIClient], seller: User, order: Order
) -> None:
    body = {"orderId": order.pk, "reason": REASON}
    assert as_buyer.post("/api/disputes", body, format="json").status_code == 201
    response = client_for(seller).post("/api/disputes", body, format="json")
    assert_error(response, 409, "dispute_already_open")
    assert Dispute.objects.count() == 1


@pytest.mark.parametrize("state", ["won", "lost", "closed"])
def test_message_on_terminal_dispute_is_409(
    state: str, as_buyer: APIClient, order: Order, staff: User
) -> None:
    dispute = make_dispute(order=order, state=state, staff=staff)
    response = as_buyer.post(
        f"/api/disputes/{dispute.pk}/messages", {"message": "Wait!"}, format="json"
    )
    assert_error(response, 409, "dispute_closed")


@pytest.mark.parametrize(
    ("method", "path", "body", "role"),
    [
        ("patch", "close", {"resolution": "Again."}, "staff"),
        ("post", "take-up", {}, "staff"),
        ("post", "withdraw", {}, "buyer"),
    ],
)
def test_move_on_decided_dispute_is_409(
    method: str,
    path: str,
    body: dict[str, Any],
    role: str,
    actors: dict[str, User | None],
    client_for: Callable[..., APIClient],
    order: Order,
    staff: User,
) -> None:
    dispute = make_dispute(order=order, state="won", staff=staff)
    response = getattr(client_for(actors[role]), method)(
        f"/api/disputes/{dispute.pk}/{path}", body, format="json"
    )
    assert_error(response, 409, "dispute_closed")
    dispute.refresh_from_db()
    assert (dispute.status, dispute.resolution) == ("won", "Decided for the seller.")


def test_take_up_twice_is_409(as_staff: APIClient, order: Order) -> None:
    dispute = make_dispute(order=order)
    assert as_staff.post(f"/api/disputes/{dispute.pk}/take-up").status_code == 200
    response = as_staff.post(f"/api/disputes/{dispute.pk}/take-up")
    assert_error(response, 409, "transition_not_allowed")


def test_policy_is_checked_before_the_state(
    client_for: Callable[..., APIClient], stranger: User, order: Order, staff: User
) -> None:
    """A stranger learns nothing about a dispute's state: 403 even when the move would be 409."""
    dispute = make_dispute(order=order, state="won", staff=staff)
    response = client_for(stranger).post(
        f"/api/disputes/{dispute.pk}/messages", {"message": "Hi"}, format="json"
    )
    assert_error(response, 403)


def test_detail_ignores_list_filters(as_buyer: APIClient, order: Order) -> None:
    """A stray query parameter on an object endpoint neither hides the object nor fails."""
    dispute = make_dispute(order=order)
    for query in ("state=won", "overdue=true", "state=bogus", "ordering=nope"):
        response = as_buyer.get(f"/api/disputes/{dispute.pk}?{query}")
        assert response.status_code == 200, (query, response.content[:200])


def test_services_and_api_agree_on_the_thread(as_buyer: APIClient, order: Order) -> None:
    dispute = make_dispute(order=order)
    for text in ("one", "two", "three"):
        services.message_post(actor=order.buyer, dispute_id=dispute.pk, body=text)
    listed = as_buyer.get(f"/api/disputes/{dispute.pk}/messages").json()
    assert [m["message"] for m in listed] == ["one", "two", "three"]


@pytest.mark.parametrize("path", ["withdraw", "take-up"])
@pytest.mark.parametrize("raw", ["[]", "[1]", '"x"', "0", "", "null", "{}"])
def test_empty_body_actions_accept_only_an_object_or_nothing(
    path: str,
    raw: str,
    client_for: Callable[..., APIClient],
    buyer: User,
    staff: User,
    order: Order,
) -> None:
    dispute = make_dispute(order=order)
    client = client_for(buyer if path == "withdraw" else staff)
    response = client.post(
        f"/api/disputes/{dispute.pk}/{path}", raw, content_type="application/json"
    )
    if raw in ("", "null", "{}"):
        assert response.status_code == 200, response.content[:300]
    else:
        assert_error(response, 400)
        dispute.refresh_from_db()
        assert dispute.status == "needs_response"
