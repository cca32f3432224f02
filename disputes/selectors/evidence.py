"""Reads of a dispute's evidence, limited to what the user may see (internal only for staff)."""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, QuerySet
from django.utils.translation import gettext_lazy

from disputes import policies
from disputes.models import Dispute, DisputeEvent, DisputeKind, EventType, Evidence

NO_EVIDENCE = gettext_lazy("Evidence not found")


def evidence_visible_to(user: Any) -> QuerySet[Evidence]:
    """Oldest first, with the uploader; a party never sees, lists or counts internal evidence."""
    return (
        Evidence.objects.select_related("uploader")
        .filter(policies.visible_evidence_q(user))
        .order_by("created_at", "id")
    )


def evidence_of_dispute(user: Any, *, dispute_id: int) -> QuerySet[Evidence]:
    """A dispute's evidence as the user may see it; the caller has checked the dispute."""
    return evidence_visible_to(user).filter(dispute_id=dispute_id)


def evidence_get(user: Any, *, dispute_id: int, evidence_id: int) -> Evidence | None:
    """One file of a dispute, or None if there is none the user may see (internal evidence does
    not exist for a party)."""
    return evidence_of_dispute(user, dispute_id=dispute_id).filter(pk=evidence_id).first()


def evidence_for_desk(*, dispute_id: int) -> list[Evidence]:
    """Every file of a dispute, internal ones included, for the support desk (the admin lets
    only support staff in)."""
    return list(
        Evidence.objects.select_related("uploader")
        .filter(dispute_id=dispute_id)
        .order_by("created_at", "id")
    )


def evidence_superseded_by(*, chargeback: Dispute) -> list[Evidence]:
    """The files of the party disputes this chargeback closed when it took over their order
    (their close event names it), internal ones included, for the support desk building the
    response to the payment provider. Nothing is copied: each file stays on its dispute."""
    if chargeback.kind != DisputeKind.CHARGEBACK or not chargeback.provider_dispute_id:
        return []
    closed_by_it = DisputeEvent.objects.filter(
        dispute_id=OuterRef("dispute_id"),
        type=EventType.CLOSED,
        payload__superseded_by=chargeback.provider_dispute_id,
    )
    return list(
        Evidence.objects.select_related("uploader")
        .filter(Exists(closed_by_it), dispute__order_id=chargeback.order_id)
        .exclude(dispute_id=chargeback.pk)
        .order_by("dispute_id", "created_at", "id")
    )
