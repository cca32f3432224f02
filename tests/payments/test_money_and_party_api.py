"""Money on disputes through the party API, and chargebacks as the parties see them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from rest_framework.test import APIClient

from accounts.models import User
from disputes.models import Dispute, DisputeKind
from tests.assertions import assert_error
from tests.echo.helpers import exact, money
from tests.factories import make_order
from tests.payments.helpers import event_doc, post_event

pytestmark = pytest.mark.django_db

Client = Callable[..., APIClient]
REASON = "The parcel arrived empty and the seller does not answer."


def open_dispute(client: APIClient, order: Any, **extra: Any) -> Any:
    return client.post(
        "/api/disputes", {"orderId": order.pk, "reason": REASON, **extra}, format="json"
    )


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"amount": "-1.00"}, "amount"),
        ({"amount": -1}, "amount"),
        ({"amount": "0"}, "amount"),
        ({"amount": "10.001"}, "amount"),
        ({"amount": 10.001}, "amount"),
        ({"amount": "100.01"}, "amount"),  # above the order's price, 100.00
        ({"amount": "1e3"}, "amount"),
        ({"amount": "ten"}, "amount"),
        ({"amount": True}, "amount"),
        ({"currency": "USD"}, "currency"),
        ({"currency": "eur"}, "currency"),
        ({"currency": "EURO"}, "currency"),
    ],
)
def test_bad_money_is_400_naming_the_field(
    client_for: Client, buyer: User, order: Any, extra: dict[str, Any], field: str
) -> None:
    body = assert_error(open_dispute(client_for(buyer), order, **extra), 400)
    assert field in body["details"], body
    assert not Dispute.objects.exists()


def test_amount_defaults_to_the_order_price(client_for: Client, buyer: User, order: Any) -> None:
    response = open_dispute(client_for(buyer), order)
    body = exact(response)
    assert (money(body["amount"]), body["currency"]) == ("100.00", "EUR")
    dispute = Dispute.objects.get()
    assert dispute.original_amount == order.final_price
    assert str(dispute.fee) == "0.00" and dispute.fee_currency == "EUR"


@pytest.mark.parametrize(
    ("sent", "shown"), [("40", "40.00"), (40.5, "40.50"), ("100.00", "100.00")]
)
def test_partial_amount_as_string_or_number(
    client_for: Client, buyer: User, order: Any, sent: Any, shown: str
) -> None:
    response = open_dispute(client_for(buyer), order, amount=sent, currency="EUR")
    assert response.status_code == 201, response.content
    assert money(exact(response)["amount"]) == shown


def test_chargeback_shows_to_both_parties_like_any_dispute(
    client_for: Client, buyer: User, seller: User, stranger: User, staff: User, order: Any
) -> None:
    post_event(event_doc(order))
    dispute = Dispute.objects.get(kind=DisputeKind.CHARGEBACK)
    for party in (buyer, seller):
        client = client_for(party)
        listed = client.get("/api/disputes").json()
        assert [row["id"] for row in listed] == [dispute.pk]
        assert listed[0]["kind"] == "chargeback"
        assert listed[0]["createdByUserId"] is None
        assert listed[0]["createdByUsername"] == "payment-provider"
        assert [row["id"] for row in client.get("/api/disputes/user/my-disputes").json()] == [
            dispute.pk
        ]
        detail = client.get(f"/api/disputes/{dispute.pk}")
        assert detail.status_code == 200
        assert detail.json()["state"] == "needs_response"
        assert money(exact(detail)["amount"]) == "60.00"
        assert client.get(f"/api/disputes/order/{order.pk}").json()["id"] == dispute.pk
    assert client_for(staff).get(f"/api/disputes/{dispute.pk}").status_code == 200
    assert_error(client_for(stranger).get(f"/api/disputes/{dispute.pk}"), 403)
    assert client_for(stranger).get("/api/disputes").json() == []


def test_seller_answers_a_chargeback_and_nobody_can_withdraw_it(
    client_for: Client, buyer: User, seller: User, order: Any
) -> None:
    post_event(event_doc(order))
    dispute = Dispute.objects.get()
    response = client_for(seller).post(
        f"/api/disputes/{dispute.pk}/messages", {"message": "Tracking proves delivery."}
    )
    assert response.status_code == 201
    dispute.refresh_from_db()
    assert dispute.status == "under_review"
    for party in (buyer, seller):
        assert_error(client_for(party).post(f"/api/disputes/{dispute.pk}/withdraw", {}), 403)


def test_chargeback_lists_for_the_seller_of_another_order_stay_apart(
    client_for: Client, seller: User, order: Any
) -> None:
    other = make_order()
    post_event(event_doc(other, dispute_id="dp_other"))
    assert client_for(seller).get("/api/disputes").json() == []
