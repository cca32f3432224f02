"""A dispute the payment provider opened has no user: ECHO's lists show `createdByUsername`
"payment-provider" instead of a blank cell, while `createdByUserId` stays null."""

from __future__ import annotations

from typing import Any

import pytest

from accounts.models import User
from disputes.models import Dispute, DisputeKind
from tests.factories import make_dispute, make_order
from tests.payments.helpers import event_doc, post_event

pytestmark = pytest.mark.django_db


def test_a_chargeback_is_listed_as_opened_by_the_payment_provider(
    client_for: Any, buyer: User, seller: User, staff: User
) -> None:
    order = make_order(buyer=buyer, seller=seller)
    assert post_event(event_doc(order)).status_code == 200
    dispute = Dispute.objects.get(kind=DisputeKind.CHARGEBACK)
    for user in (buyer, seller, staff):
        client = client_for(user)
        for path in ("/api/disputes", "/api/disputes/open"):
            (row,) = client.get(path).json()
            assert (row["createdByUserId"], row["createdByUsername"]) == (
                None,
                "payment-provider",
            )
        detail = client.get(f"/api/disputes/{dispute.pk}").json()
        assert detail["createdByUsername"] == "payment-provider"
    (mine,) = client_for(buyer).get("/api/disputes/user/my-disputes").json()
    assert mine["createdByUsername"] == "payment-provider"


def test_a_party_dispute_keeps_its_openers_username(client_for: Any, buyer: User) -> None:
    dispute = make_dispute(order=make_order(buyer=buyer))
    (row,) = client_for(buyer).get("/api/disputes").json()
    assert (row["createdByUserId"], row["createdByUsername"]) == (buyer.pk, buyer.username)
    assert row["id"] == dispute.pk
