"""Helpers shared by the dispute tests: what a refused call must leave untouched."""

from __future__ import annotations

from typing import Any

from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken

from disputes.models import Dispute, DisputeEvent, Message, Offer

DISPUTE_FIELDS = {
    "id",
    "orderId",
    "createdByUserId",
    "createdByUsername",
    "reason",
    "reasonCode",
    "status",
    "state",
    "outcome",
    "resolution",
    "amount",
    "currency",
    "respondBy",
    "createdAt",
    "updatedAt",
    "closedAt",
}
# Additions beyond ECHO's shape; pinned so a new field is a deliberate choice.
DISPUTE_EXTRA_FIELDS = {"kind", "refundAmount", "escalatedAt", "escalatedBy", "escalationReason"}
MESSAGE_FIELDS = {"id", "disputeId", "userId", "username", "message", "visibility", "createdAt"}

REASON = "The parcel arrived empty and the seller does not answer."


def snapshot(dispute_id: int) -> dict[str, Any]:
    """Everything a write could touch: the row, the thread, the offers and the audit log."""
    return {
        "row": Dispute.objects.filter(pk=dispute_id).values().get(),
        "messages": list(
            Message.objects.filter(dispute_id=dispute_id).values_list("pk", flat=True)
        ),
        "events": list(
            DisputeEvent.objects.filter(dispute_id=dispute_id).values_list("pk", flat=True)
        ),
        "offers": list(Offer.objects.filter(dispute_id=dispute_id).order_by("pk").values()),
    }


def new_events(dispute_id: int, before: dict[str, Any]) -> list[tuple[str, str, str, int | None]]:
    """(type, from_status, to_status, actor_id) of the events appended since `before`."""
    return list(
        DisputeEvent.objects.filter(dispute_id=dispute_id)
        .exclude(pk__in=before["events"])
        .order_by("at", "id")
        .values_list("type", "from_status", "to_status", "actor_id")
    )


def client_with_token_for(user_id: object) -> APIClient:
    """A client whose access token is validly signed and names `user_id` as given (any value),
    with no scopes: for what happens when the claim, or the user behind it, is not right."""
    token = AccessToken()
    token["user_id"] = user_id
    token["scope"] = ""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client
