"""The events a dispute emits for the marketplace's systems (docs/webhooks.md): which ones, and
their `data` in the party API's shapes, as a party of the dispute sees them.

The services call these functions inside their transaction, under the dispute's lock, after the
change is made in memory; `integrations.outbox.emit` writes the row in that same transaction, so
a rolled-back change leaves no event. Only what a party may read goes in: internal notes and
internal evidence are never emitted, and the dispute shape holds no staff-only field.

Each event's `data.dispute` is the dispute as it stands right after that event, in the order the
events were written: a respondent's first message is `message.created` (still needs_response)
then `dispute.updated` (under_review); an accepted offer is `offer.accepted`, then
`dispute.updated` and `dispute.closed` (settled, with the refund).

Money is a `Decimal` with two decimals, written as the JSON number `24.50` like the party API
(integrations.encoding keeps it exact through the database).

The feed's read (`outbound_events_visible_to`) lives here too: one module for the events.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet

from disputes import policies
from disputes.models import TERMINAL_STATUSES, Dispute, Evidence, Message, Offer, Visibility
from integrations import outbox
from integrations.models import OutboundEvent

if TYPE_CHECKING:
    from rest_framework.serializers import Serializer


def _shape(serializer: type[Serializer[Any]], obj: Any) -> dict[str, Any]:
    return dict(serializer(obj).data)


def dispute_shape(dispute: Dispute) -> dict[str, Any]:
    """`DisputeOutput` of the party API, as the dispute's parties read it."""
    # Imported here, not above: the party API's serializers import its evidence views, which
    # import the services, which import this module.
    from disputes.api.party.serializers import DisputeOutput

    return _shape(DisputeOutput, dispute)


def _emit(type: str, dispute: Dispute, **data: Any) -> OutboundEvent:
    return outbox.emit(
        type=type,
        dispute_id=dispute.pk,
        buyer_id=dispute.buyer_id,
        seller_id=dispute.seller_id,
        data={"dispute": dispute_shape(dispute), **data},
    )


def dispute_opened(dispute: Dispute) -> None:
    _emit(outbox.DISPUTE_OPENED, dispute)


def status_changed(dispute: Dispute, *, previous: str) -> None:
    """Called by `services.core.transition`, the one place a status is assigned: every move is
    `dispute.updated` (with the state it left), and a move to a decided status also
    `dispute.closed`."""
    _emit(outbox.DISPUTE_UPDATED, dispute, previousState=previous)
    if dispute.status in TERMINAL_STATUSES:
        _emit(outbox.DISPUTE_CLOSED, dispute)


def message_created(message: Message, dispute: Dispute) -> None:
    if message.visibility != Visibility.PUBLIC:
        return
    from disputes.api.party.serializers import MessageOutput

    _emit(outbox.MESSAGE_CREATED, dispute, message=_shape(MessageOutput, message))


def evidence_added(evidence: Evidence, dispute: Dispute) -> None:
    if evidence.visibility != Visibility.PUBLIC:
        return
    from disputes.api.party.evidence import EvidenceOutput

    _emit(outbox.EVIDENCE_ADDED, dispute, evidence=_shape(EvidenceOutput, evidence))


def offer_event(type: str, offer: Offer, dispute: Dispute) -> None:
    """`offer.created`, `offer.accepted` or `offer.declined`, with the offer's shape."""
    from disputes.api.party.serializers import OfferOutput

    _emit(type, dispute, offer=_shape(OfferOutput, offer))


def dispute_escalated(dispute: Dispute) -> None:
    _emit(outbox.DISPUTE_ESCALATED, dispute)


# --- the feed ---------------------------------------------------------------------------------


def outbound_events_visible_to(user: Any) -> QuerySet[OutboundEvent]:
    """The events the user may read, oldest first (`policies.visible_outbound_events_q`)."""
    return OutboundEvent.objects.filter(policies.visible_outbound_events_q(user)).order_by("id")


def outbound_events_of_dispute(dispute_id: int) -> QuerySet[OutboundEvent]:
    """One dispute's events, oldest first, for a caller the policy lets view the dispute."""
    return OutboundEvent.objects.filter(dispute_id=dispute_id).order_by("id")
