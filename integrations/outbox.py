"""Writing an event: `emit` adds the outbox row in the caller's transaction, so a rolled-back
change leaves no event and a committed one is never lost; delivery is scheduled in that same
transaction (`integrations.delivery.schedule`)."""

from __future__ import annotations

from typing import Any

from integrations import delivery
from integrations.models import OutboundEvent

DISPUTE_OPENED = "dispute.opened"
DISPUTE_UPDATED = "dispute.updated"
DISPUTE_CLOSED = "dispute.closed"
MESSAGE_CREATED = "message.created"
EVIDENCE_ADDED = "evidence.added"
OFFER_CREATED = "offer.created"
OFFER_ACCEPTED = "offer.accepted"
OFFER_DECLINED = "offer.declined"
DISPUTE_ESCALATED = "dispute.escalated"

EVENT_TYPES: tuple[str, ...] = (
    DISPUTE_OPENED,
    DISPUTE_UPDATED,
    DISPUTE_CLOSED,
    MESSAGE_CREATED,
    EVIDENCE_ADDED,
    OFFER_CREATED,
    OFFER_ACCEPTED,
    OFFER_DECLINED,
    DISPUTE_ESCALATED,
)


def emit(
    *, type: str, dispute_id: int, buyer_id: int, seller_id: int, data: dict[str, Any]
) -> OutboundEvent:
    """Record one event. `data` must hold only what the dispute's parties may read: the feed
    shows it to them and webhooks send it as it is."""
    if type not in EVENT_TYPES:
        raise ValueError(f"Unknown event type {type!r}")
    event = OutboundEvent.objects.create(
        type=type, dispute_id=dispute_id, buyer_id=buyer_id, seller_id=seller_id, data=data
    )
    delivery.schedule(event)
    return event
