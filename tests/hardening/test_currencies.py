"""Money enters only in an ISO 4217 currency in use (echo_disputes/serializers.py::CurrencyField,
Babel's CLDR data): items, disputes and the webhook."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from rest_framework.test import APIClient

from accounts.models import User
from disputes.models import Dispute, PaymentEvent
from orders.models import Item
from tests.payments.helpers import event_doc, post_event

pytestmark = pytest.mark.django_db

Client = Callable[..., APIClient]
UNKNOWN = "{} is not an ISO 4217 currency in use."


def _item(client_for: Client, seller: User, currency: Any) -> Any:
    return client_for(seller).post(
        "/api/items",
        {
            "title": "Teapot",
            "description": "Stoneware.",
            "basePrice": "45.00",
            "currency": currency,
        },
    )


@pytest.mark.parametrize("code", ["ZZZ", "XTS", "XXX", "DEM", "AAA"])
def test_an_item_in_a_made_up_test_or_retired_currency_is_400(
    client_for: Client, seller: User, code: str
) -> None:
    response = _item(client_for, seller, code)
    assert response.status_code == 400
    assert response.json() == {
        "error": f"currency: {UNKNOWN.format(code)}",
        "code": "validation_error",
        "details": {"currency": [UNKNOWN.format(code)]},
    }
    assert not Item.objects.exists()


@pytest.mark.parametrize("code", ["eur", "EURO", "E1R", 978, ""])
def test_an_item_currency_that_is_not_three_capitals_is_400(
    client_for: Client, seller: User, code: Any
) -> None:
    response = _item(client_for, seller, code)
    assert response.status_code == 400
    assert response.json()["details"]["currency"] in (
        ["Use a three-letter ISO 4217 code, e.g. EUR."],
        ["This field may not be blank."],
    )
    assert not Item.objects.exists()


@pytest.mark.parametrize("code", ["EUR", "USD", "JPY", "CHF", "SEK"])
def test_items_in_currencies_in_use_are_accepted(
    client_for: Client, seller: User, code: str
) -> None:
    response = _item(client_for, seller, code)
    assert response.status_code == 201
    assert Item.objects.get().currency == code


def test_a_dispute_in_an_unknown_currency_is_400(client_for: Client, order: Any) -> None:
    response = client_for(order.buyer).post(
        "/api/disputes",
        {"orderId": order.pk, "reason": "The parcel never arrived here.", "currency": "ZZZ"},
    )
    assert response.status_code == 400
    assert response.json()["details"] == {"currency": [UNKNOWN.format("ZZZ")]}
    assert not Dispute.objects.exists()


@pytest.mark.parametrize(
    ("field", "detail"), [("currency", "data.currency"), ("fee_currency", "data.fee_currency")]
)
def test_a_webhook_event_in_an_unknown_currency_is_400_and_not_stored(
    order: Any, field: str, detail: str
) -> None:
    overrides: dict[str, Any] = {field: "ZZZ"}
    response = post_event(event_doc(order, **overrides))
    assert response.status_code == 400
    assert response.json() == {
        "error": f"{detail}: {UNKNOWN.format('ZZZ')}",
        "code": "validation_error",
        "details": {detail: [UNKNOWN.format("ZZZ")]},
    }
    assert not PaymentEvent.objects.exists()
    assert not Dispute.objects.exists()
