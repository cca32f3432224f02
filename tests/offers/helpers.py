"""Shared by the offer tests: a dispute between two named parties, and offers made through the
services."""

from __future__ import annotations

from decimal import Decimal

from accounts.models import User
from disputes import services
from disputes.models import Dispute, Offer
from tests.factories import make_dispute, make_order

OFFER_FIELDS = {
    "id",
    "disputeId",
    "proposedByUserId",
    "proposedByUsername",
    "amount",
    "currency",
    "note",
    "status",
    "createdAt",
    "decidedAt",
}
ESCALATION_REASON = "We cannot agree on the refund; please decide."


def dispute_between(buyer: User, seller: User, **kwargs: object) -> Dispute:
    """A buyer-opened dispute of 100.00 EUR between the two."""
    return make_dispute(order=make_order(buyer=buyer, seller=seller), **kwargs)  # type: ignore[arg-type]


def offer(dispute: Dispute, by: User, amount: str = "40.00", note: str = "") -> Offer:
    return services.offer_propose(
        actor=by, dispute_id=dispute.pk, amount=Decimal(amount), note=note
    )
