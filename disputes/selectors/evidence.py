"""Reads of a dispute's evidence, limited to what the user may see (internal only for staff)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from disputes import policies
from disputes.models import Evidence

NO_EVIDENCE = "Evidence not found"


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
