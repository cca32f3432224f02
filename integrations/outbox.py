"""Writing an event: `emit` adds the outbox row in the caller's transaction, so a rolled-back
change leaves no event and a committed one is never lost; delivery is scheduled in that same
transaction (`integrations.delivery.schedule`).

The feed pages by id (`after=<id>`), which is only safe if ids become visible in order: a
reader that has seen id 7 must never later find a 6 that committed after it. A sequence hands out
ids at insert, not at commit, so on PostgreSQL every emitting transaction takes one
transaction-scoped advisory lock before its insert and holds it to commit: events commit in id
order. SQLite has one writer at a time already. The services take their dispute locks before
they emit, so this lock always comes last and cannot deadlock with them.
"""

from __future__ import annotations

from typing import Any

from django.db import connection

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
    _serialize_commits()
    event = OutboundEvent.objects.create(
        type=type, dispute_id=dispute_id, buyer_id=buyer_id, seller_id=seller_id, data=data
    )
    delivery.schedule(event)
    return event


# Any constant, the same in every process: the key of the outbox's advisory lock.
OUTBOX_LOCK_KEY = 0x0E40_0B0C


def _serialize_commits() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [OUTBOX_LOCK_KEY])
