"""Chargebacks reported by the payment provider's webhook (docs/design.md §8)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from disputes import integration_events, states
from disputes.models import (
    OPEN_STATUSES,
    Dispute,
    DisputeKind,
    DisputeStatus,
    EventType,
    Outcome,
    PaymentEvent,
    PaymentEventResult,
    ReasonCode,
)
from disputes.services.core import (
    log_event,
    money_validate,
    notify_on_commit,
    parties,
    transition,
)
from echo_disputes.errors import InvalidInput, NotFound
from echo_disputes.i18n import interpolate_lazy
from orders.models import Order

CHARGEBACK_EVENT_TYPES: tuple[str, ...] = ("dispute.created", "dispute.updated", "dispute.closed")
CHARGEBACK_SUPERSEDED = gettext_lazy(
    "Superseded by a chargeback: the buyer's bank disputed the payment, so the payment "
    "provider now decides this dispute."
)


@dataclass(frozen=True)
class ChargebackEvent:
    """One provider event, its shape already checked by the webhook's input serializer."""

    event_id: str
    type: str
    created: datetime
    provider_dispute_id: str
    transaction_id: str
    reason_code: str
    amount: Decimal
    currency: str
    status: str
    fee: Decimal | None = None
    fee_currency: str | None = None
    expiration_time: datetime | None = None
    payload: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ChargebackResult:
    event: PaymentEvent
    replayed: bool

    @property
    def refused(self) -> bool:
        return self.event.result == PaymentEventResult.REFUSED_FUTURE


def chargeback_future_refusal() -> str:
    """Why an event dated past PAYMENTS_WEBHOOK_MAX_FUTURE is refused (the 400's message)."""
    seconds = int(settings.PAYMENTS_WEBHOOK_MAX_FUTURE.total_seconds())
    return _("Must not be more than %(seconds)s seconds ahead of the server's clock.") % {
        "seconds": seconds
    }


def _chargeback_refuse(*, event: ChargebackEvent) -> ChargebackResult:
    """Keep an event dated ahead of our clock as `refused_future`, touching no dispute.

    An id already accepted stays what it was (a replay); an id already refused is refused again,
    its row unchanged."""
    record, created = PaymentEvent.objects.get_or_create(
        event_id=event.event_id,
        defaults={
            "type": event.type,
            "created": event.created,
            "payload": event.payload,
            "result": PaymentEventResult.REFUSED_FUTURE,
        },
    )
    return ChargebackResult(event=record, replayed=not created)


def _chargeback_record(*, event: ChargebackEvent) -> PaymentEvent | None:
    """Insert the event's row, or take over the row of an earlier refused delivery of the same
    id; None when the id was already accepted (a replay)."""
    try:
        with transaction.atomic():
            return PaymentEvent.objects.create(
                event_id=event.event_id,
                type=event.type,
                created=event.created,
                payload=event.payload,
            )
    except IntegrityError:
        pass
    # The row lock makes simultaneous redeliveries of a refused id take it over one at a time:
    # the second one finds it accepted and is a replay.
    record = PaymentEvent.objects.select_for_update().get(event_id=event.event_id)
    if record.result != PaymentEventResult.REFUSED_FUTURE:
        return None
    record.type = event.type
    record.created = event.created
    record.payload = event.payload
    record.received_at = timezone.now()
    record.result = ""
    record.save(update_fields=["type", "created", "payload", "received_at", "result"])
    return record


def _chargeback_outcome(dispute: Dispute, status: str) -> list[str]:
    """A provider decision (to `status`) carries its outcome; a lost chargeback refunds the
    disputed amount. Assigned before the move, so its events (dispute.closed) carry it."""
    if status == DisputeStatus.WON:
        dispute.outcome = Outcome.WON
    elif status == DisputeStatus.LOST:
        dispute.outcome = Outcome.LOST
        dispute.refund_amount = dispute.amount
    else:
        return []
    return ["outcome", "refund_amount"]


def _chargeback_move(
    *, dispute: Dispute, event: ChargebackEvent, now: datetime, fields: list[str]
) -> list[str]:
    """Move to the provider's status (when it differs) through `transition`, or log the update."""
    payload = {
        "event_id": event.event_id,
        "provider_dispute_id": event.provider_dispute_id,
        "amount": str(dispute.amount),
        "fee": str(dispute.fee),
    }
    if event.status == dispute.status:
        log_event(
            dispute=dispute, actor=None, type=EventType.PROVIDER_UPDATE, payload=payload, at=now
        )
        return fields
    fields = fields + _chargeback_outcome(dispute, event.status)
    fields += transition(
        dispute=dispute,
        move=states.Move.PROVIDER,
        actor=None,
        event_type=EventType.PROVIDER_UPDATE,
        now=now,
        target=event.status,
        payload=payload,
    )
    notify_on_commit(
        user_ids=parties(dispute),
        subject=interpolate_lazy(
            gettext_lazy("Chargeback on order #%(order_id)s is now %(status)s"),
            {"order_id": dispute.order_id, "status": DisputeStatus(dispute.status).label},
        ),
        body=interpolate_lazy(
            gettext_lazy("The payment provider reports dispute #%(dispute_id)s as %(status)s."),
            {"dispute_id": dispute.pk, "status": DisputeStatus(dispute.status).label},
        ),
    )
    return fields


def _chargeback_supersede(*, order: Order, event: ChargebackEvent, now: datetime) -> None:
    """A chargeback takes over the order: the open party dispute closes without a winner."""
    # With the opener, whose name the outbound events carry (locking only the dispute).
    superseded = (
        Dispute.objects.select_for_update(of=("self",))
        .select_related("opened_by")
        .filter(order=order, status__in=OPEN_STATUSES)
    )
    for other in superseded:
        # Assigned before the move: its events (dispute.closed) carry it.
        # Stored text is written in LANGUAGE_CODE, like every record (docs/i18n.md).
        with translation.override(settings.LANGUAGE_CODE):
            other.resolution = str(CHARGEBACK_SUPERSEDED)
        fields = transition(
            dispute=other,
            move=states.Move.CLOSE,
            actor=None,
            event_type=EventType.CLOSED,
            now=now,
            payload={"superseded_by": event.provider_dispute_id, "event_id": event.event_id},
        )
        other.save(update_fields=[*fields, "resolution"])
        notify_on_commit(
            user_ids=parties(other),
            subject=interpolate_lazy(
                gettext_lazy("Dispute #%(dispute_id)s was closed by a chargeback"),
                {"dispute_id": other.pk},
            ),
            body=CHARGEBACK_SUPERSEDED,
        )


def _chargeback_open(
    *,
    order: Order,
    event: ChargebackEvent,
    amount: Decimal,
    fee: Decimal,
    fee_currency: str,
    now: datetime,
) -> Dispute:
    _chargeback_supersede(order=order, event=event, now=now)
    label = ReasonCode(event.reason_code).label
    dispute = Dispute.objects.create(
        order=order,
        buyer_id=order.buyer_id,
        seller_id=order.seller_id,
        opened_by=None,
        kind=DisputeKind.CHARGEBACK,
        reason=f"Chargeback reported by the payment provider: {label}.",
        reason_code=event.reason_code,
        amount=amount,
        currency=order.currency,
        original_amount=order.final_price,
        fee=fee,
        fee_currency=fee_currency,
        respond_by=event.expiration_time or now + settings.DISPUTE_RESPONSE_WINDOW,
        created_at=now,
        updated_at=now,
        last_activity_at=now,
        provider_dispute_id=event.provider_dispute_id,
        provider_event_at=event.created,
    )
    log_event(
        dispute=dispute,
        actor=None,
        type=EventType.OPENED,
        to_status=DisputeStatus.NEEDS_RESPONSE,
        payload={
            "event_id": event.event_id,
            "provider_dispute_id": event.provider_dispute_id,
            "reason_code": event.reason_code,
            "amount": str(amount),
            "fee": str(fee),
        },
        at=now,
    )
    integration_events.dispute_opened(dispute)
    notify_on_commit(
        user_ids=parties(dispute),
        subject=interpolate_lazy(
            gettext_lazy("A chargeback was reported on order #%(order_id)s"), {"order_id": order.pk}
        ),
        body=interpolate_lazy(
            gettext_lazy(
                "The buyer's bank disputed the payment (%(label)s, "
                "%(amount)s %(currency)s). Please respond by "
                "%(respond_by)s UTC."
            ),
            {
                "label": label,
                "amount": amount,
                "currency": order.currency,
                "respond_by": format(dispute.respond_by, "%Y-%m-%d %H:%M"),
            },
        ),
    )
    if event.status != DisputeStatus.NEEDS_RESPONSE:
        fields = _chargeback_move(dispute=dispute, event=event, now=now, fields=[])
        dispute.save(update_fields=sorted(set(fields)))
    return dispute


def _chargeback_update(
    *,
    dispute: Dispute,
    event: ChargebackEvent,
    amount: Decimal,
    fee: Decimal,
    fee_currency: str,
    now: datetime,
) -> None:
    dispute.amount = amount
    dispute.fee = fee
    dispute.fee_currency = fee_currency
    dispute.reason_code = event.reason_code
    dispute.provider_event_at = event.created
    dispute.updated_at = now
    dispute.last_activity_at = now
    fields = [
        "amount",
        "fee",
        "fee_currency",
        "reason_code",
        "provider_event_at",
        "updated_at",
        "last_activity_at",
    ]
    if event.expiration_time is not None:
        dispute.respond_by = event.expiration_time
        fields.append("respond_by")
    fields = _chargeback_move(dispute=dispute, event=event, now=now, fields=fields)
    dispute.save(update_fields=sorted(set(fields)))


@transaction.atomic
def chargeback_apply(*, event: ChargebackEvent) -> ChargebackResult:
    """Apply a provider event to the order's chargeback dispute, opening it on first sight.

    Once per event id, whatever the delivery (the unique event id decides, even for simultaneous
    deliveries), and never backwards: an event older than the last one applied to the dispute,
    or one about a dispute already decided, is stored and changes nothing. An event dated more
    than PAYMENTS_WEBHOOK_MAX_FUTURE ahead is stored as refused (`result.refused`; the webhook
    answers 400) and changes nothing: it would make every real event of its dispute look older.
    A refused id does not count as seen: its next delivery, once in time, is applied.
    """
    if event.created > timezone.now() + settings.PAYMENTS_WEBHOOK_MAX_FUTURE:
        return _chargeback_refuse(event=event)
    # Every event of an order waits on the order row: finding the dispute, superseding a party
    # dispute and inserting the chargeback are one step.
    order = Order.objects.select_for_update().filter(transaction_id=event.transaction_id).first()
    if order is None:
        raise NotFound(
            _("No order with this transaction id."),
            code="transaction_not_found",
            details={"data.transaction_id": [_("No order with this transaction id.")]},
        )
    record = _chargeback_record(event=event)
    if record is None:
        return ChargebackResult(
            event=PaymentEvent.objects.get(event_id=event.event_id), replayed=True
        )
    if event.currency != order.currency:
        raise InvalidInput(
            _("data.currency must be the order's currency (%(currency)s).")
            % {"currency": order.currency},
            details={"data.currency": [_("Must be %(currency)s.") % {"currency": order.currency}]},
        )
    amount = money_validate(
        event.amount, field="data.amount", ceiling=order.final_price, default=order.final_price
    )
    fee = settings.CHARGEBACK_FEE if event.fee is None else event.fee
    fee_currency = event.fee_currency or order.currency
    dispute = (
        Dispute.objects.select_for_update()
        .filter(provider_dispute_id=event.provider_dispute_id)
        .first()
    )
    if dispute is not None and dispute.order_id != order.pk:
        raise InvalidInput(
            _("data.dispute_id belongs to another transaction."),
            details={"data.dispute_id": [_("Belongs to another transaction.")]},
        )
    now = timezone.now()
    result = PaymentEventResult.APPLIED
    if dispute is None:
        dispute = _chargeback_open(
            order=order, event=event, amount=amount, fee=fee, fee_currency=fee_currency, now=now
        )
    elif dispute.provider_event_at is not None and event.created < dispute.provider_event_at:
        result = PaymentEventResult.STALE
    elif dispute.is_terminal:
        result = PaymentEventResult.TERMINAL
    else:
        _chargeback_update(
            dispute=dispute, event=event, amount=amount, fee=fee, fee_currency=fee_currency, now=now
        )
    record.dispute = dispute
    record.result = result
    record.save(update_fields=["dispute", "result"])
    return ChargebackResult(event=record, replayed=False)
