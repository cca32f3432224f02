"""A settled dispute in the finance API (docs/payments.md): `status: "closed"` with the agreed
refund as `dispute_amount`, the part of the disputed amount the buyer gets."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from accounts.models import User
from disputes import services
from disputes.models import Dispute
from tests.factories import make_dispute, make_order, new_staff
from tests.offers.helpers import ESCALATION_REASON, offer
from tests.payments.helpers import FINANCE
from tests.payments.test_finance_api import assert_wire_dispute

pytestmark = pytest.mark.django_db

Clients = Callable[..., APIClient]


@pytest.fixture
def settled(buyer: User, seller: User) -> Dispute:
    dispute = make_dispute(order=make_order(buyer=buyer, seller=seller), amount=Decimal("80.00"))
    made = offer(dispute, seller, "30.00")
    return services.offer_accept(actor=buyer, dispute_id=dispute.pk, offer_id=made.pk)


def test_a_settled_dispute_is_closed_with_the_refund_as_its_amount(
    settled: Dispute, seller: User, client_for: Clients
) -> None:
    row = client_for(seller).get(f"{FINANCE}/{settled.pk}").json()["data"]["dispute"]
    assert_wire_dispute(row)
    assert (row["status"], row["dispute_amount"], row["original_order_amount"]) == (
        "closed",
        "30.00",
        "100.00",
    )
    listed = client_for(seller).get(FINANCE, {"status": "closed"}).json()["data"]["disputes"]
    assert [(r["id"], r["dispute_amount"]) for r in listed] == [(str(settled.pk), "30.00")]


def test_other_closed_and_open_disputes_keep_the_disputed_amount(
    buyer: User, seller: User, client_for: Clients
) -> None:
    staff = new_staff()
    open_one = make_dispute(order=make_order(buyer=buyer, seller=seller), amount=Decimal("70.00"))
    offer(open_one, seller, "10.00")  # open, not accepted: nothing is agreed yet
    services.dispute_escalate(actor=buyer, dispute_id=open_one.pk, reason=ESCALATION_REASON)
    lost = make_dispute(order=make_order(buyer=buyer, seller=seller), amount=Decimal("60.00"))
    services.dispute_close(
        actor=staff,
        dispute_id=lost.pk,
        outcome="lost",
        refund_amount=Decimal("20.00"),
        resolution="Part refund.",
    )
    rows = {
        r["id"]: (r["status"], r["dispute_amount"])
        for r in client_for(staff).get(FINANCE).json()["data"]["disputes"]
    }
    assert rows == {
        str(open_one.pk): ("needs_response", "70.00"),
        str(lost.pk): ("lost", "60.00"),
    }
