"""ECHO reads `basePrice`, `finalPrice`, `amount` and `refundAmount` as JSON numbers and formats
them with `Number.toFixed(2)`: the party API writes each as a number literal with exactly two
decimals (24.50), never a string and never through a float; the finance API keeps its strings."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import User
from tests.echo.helpers import exact, money
from tests.factories import ItemFactory, StoreFactory, make_dispute, make_order

pytestmark = pytest.mark.django_db

REASON = "The parcel arrived empty and the seller does not answer."


@pytest.mark.parametrize(
    ("sent", "literal"),
    [(24.5, "24.50"), ("24.50", "24.50"), (24, "24.00"), (0.1, "0.10"), ("1999.99", "1999.99")],
)
def test_item_base_price_is_a_number_with_two_decimals(
    client_for: Any, seller: User, sent: Any, literal: str
) -> None:
    client = client_for(seller)
    created = client.post("/api/items", {"title": "Lamp", "basePrice": sent}, format="json")
    assert created.status_code == 201, created.content
    assert money(exact(created)["basePrice"]) == literal
    assert f'"basePrice":{literal},'.encode() in created.content
    listed = client.get("/api/items")
    assert [money(row["basePrice"]) for row in exact(listed)] == [literal]
    shown = client.get(f"/api/items/{exact(created)['id']}")
    assert money(exact(shown)["basePrice"]) == literal


def test_a_price_that_is_no_binary_float_keeps_its_exact_literal(
    client_for: Any, buyer: User, seller: User
) -> None:
    # 24.10 has no exact float: through a float it would risk 24.1 or 24.100000000000001.
    item = ItemFactory.create(store=StoreFactory.create(owner=seller), base_price=Decimal("24.10"))
    response = client_for(buyer).post("/api/orders", {"itemId": item.pk}, format="json")
    assert response.status_code == 201
    assert b'"finalPrice":24.10,' in response.content
    assert response.json()["finalPrice"] == 24.1  # what JSON.parse gives ECHO's client


def test_order_final_price_is_a_number_in_create_detail_and_list(
    client_for: Any, buyer: User, seller: User
) -> None:
    item = ItemFactory.create(store=StoreFactory.create(owner=seller), base_price=Decimal("80.00"))
    client = client_for(buyer)
    created = client.post("/api/orders", {"itemId": item.pk, "finalPrice": 65.5}, format="json")
    assert created.status_code == 201
    order_id = exact(created)["id"]
    assert money(exact(created)["finalPrice"]) == "65.50"
    assert money(exact(client.get(f"/api/orders/{order_id}"))["finalPrice"]) == "65.50"
    assert [money(o["finalPrice"]) for o in exact(client.get("/api/orders"))] == ["65.50"]
    patched = client.patch(f"/api/orders/{order_id}/status?status=CANCELLED")
    assert money(exact(patched)["finalPrice"]) == "65.50"


def test_dispute_amount_and_refund_are_numbers_everywhere(
    client_for: Any, buyer: User, seller: User, staff: User
) -> None:
    order = make_order(buyer=buyer, seller=seller, base_price=Decimal("24.50"))
    as_buyer = client_for(buyer)
    opened = as_buyer.post(
        "/api/disputes", {"orderId": order.pk, "reason": REASON, "amount": 20}, format="json"
    )
    assert opened.status_code == 201
    body = exact(opened)
    assert money(body["amount"]) == "20.00" and body["refundAmount"] is None
    dispute_id = body["id"]
    for path in (
        f"/api/disputes/{dispute_id}",
        f"/api/disputes/order/{order.pk}",
    ):
        assert money(exact(as_buyer.get(path))["amount"]) == "20.00"
    for path in ("/api/disputes", "/api/disputes/open", "/api/disputes/user/my-disputes"):
        assert [money(d["amount"]) for d in exact(as_buyer.get(path))] == ["20.00"]
    closed = client_for(staff).patch(
        f"/api/disputes/{dispute_id}/close",
        {"resolution": "Refund part.", "outcome": "lost", "refundAmount": "12.5"},
        format="json",
    )
    assert closed.status_code == 200
    assert money(exact(closed)["refundAmount"]) == "12.50"
    assert money(exact(as_buyer.get(f"/api/disputes/{dispute_id}"))["refundAmount"]) == "12.50"


@pytest.mark.parametrize("bad", ["ten", True, "1.234", -1, 0, None, [1], {"v": 1}])
def test_a_bad_price_is_400_naming_the_field(client_for: Any, seller: User, bad: Any) -> None:
    response = client_for(seller).post(
        "/api/items", {"title": "Lamp", "basePrice": bad}, format="json"
    )
    assert response.status_code == 400
    assert "basePrice" in response.json()["details"]


def test_the_finance_api_keeps_the_providers_strings(client_for: Any, seller: User) -> None:
    order = make_order(seller=seller, base_price=Decimal("50.00"))
    dispute = make_dispute(order=order)
    response = client_for(seller).get(f"/openapi/2024-07/shoplazza-payment/disputes/{dispute.pk}")
    assert response.status_code == 200
    data = response.json()["data"]["dispute"]
    assert (data["dispute_amount"], data["original_order_amount"]) == ("50.00", "50.00")
    assert isinstance(data["fee"], str)


def test_the_schema_declares_party_money_as_numbers_and_finance_money_as_strings(
    api: APIClient,
) -> None:
    schemas = api.get(reverse("schema"), {"format": "json"}).json()["components"]["schemas"]
    for component, field in [
        ("ItemOutput", "basePrice"),
        ("OrderOutput", "finalPrice"),
        ("DisputeOutput", "amount"),
        ("DisputeOutput", "refundAmount"),
        ("DisputeDetailOutput", "amount"),
    ]:
        assert schemas[component]["properties"][field]["type"] == "number", (component, field)
    # Requests state the string form with its two-decimal pattern and say a number is accepted.
    for component, field in [
        ("ItemCreateInputRequest", "basePrice"),
        ("OrderCreateInputRequest", "finalPrice"),
        ("DisputeOpenInputRequest", "amount"),
        ("DisputeCloseInputRequest", "refundAmount"),
    ]:
        declared = schemas[component]["properties"][field]
        assert declared["pattern"] and "JSON number" in declared["description"], component
    finance = schemas["FinanceDisputeOutput"]["properties"]
    assert finance["dispute_amount"]["type"] == "string"
