"""Reads of a dispute's offers, for whoever may see the dispute (offers are public to both
parties and to staff, like the public thread)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from disputes import policies
from disputes.models import Dispute, Offer, OfferStatus
from disputes.policies import Action


def offers_for(*, user: Any, dispute: Dispute) -> QuerySet[Offer]:
    """The dispute's offers, newest first, with their proposers (403 when the user may not see
    the dispute)."""
    policies.require(user, Action.VIEW, dispute)
    return (
        Offer.objects.select_related("proposed_by")
        .filter(dispute_id=dispute.pk)
        .order_by("-created_at", "-id")
    )


def open_offer_for(dispute: Dispute) -> Offer | None:
    """The dispute's open offer (at most one, by constraint), with its proposer: one query."""
    return (
        Offer.objects.select_related("proposed_by")
        .filter(dispute_id=dispute.pk, status=OfferStatus.OPEN)
        .first()
    )
