"""Opening a dispute on an order (docs/design.md §4: a party of the order opens it)."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from disputes import integration_events, policies
from disputes.models import Dispute, DisputeKind, DisputeStatus, EventType, ReasonCode
from disputes.policies import Action
from disputes.services.core import (
    REASON_MAX,
    REASON_MIN,
    clean_text,
    log_event,
    money_validate,
    notify_on_commit,
    parties,
)
from echo_disputes.errors import Conflict, InvalidInput, NotFound
from echo_disputes.i18n import interpolate_lazy
from orders.models import Order

ALREADY_OPEN = _("This order already has an open dispute.")


@transaction.atomic
def dispute_open(
    *,
    actor: User,
    order_id: int,
    reason: str,
    reason_code: str = ReasonCode.GENERAL,
    amount: Decimal | None = None,
    currency: str | None = None,
) -> Dispute:
    """A party of the order opens a dispute; at most one is open per order at a time."""
    # Locking the order serialises every open (and order completion) on it, so the check below
    # and the insert are one step; the partial unique index is the last line of defence.
    order = Order.objects.select_for_update().filter(pk=order_id).first()
    if order is None:
        raise NotFound(
            _("Order not found"),
            code="order_not_found",
            details={"orderId": [_("Order not found")]},
        )
    policies.require(actor, Action.OPEN, order)
    text = clean_text(
        reason, field="reason", minimum=REASON_MIN, maximum=REASON_MAX, label=_("The reason")
    )
    if reason_code not in ReasonCode.values:
        raise InvalidInput(_("Unknown reason code."), details={"reasonCode": [_("Unknown code.")]})
    if currency is not None and currency != order.currency:
        raise InvalidInput(
            _("The dispute must be in the order's currency (%(currency)s).")
            % {"currency": order.currency},
            details={"currency": [_("Must be %(currency)s.") % {"currency": order.currency}]},
        )
    value = money_validate(
        amount, field="amount", ceiling=order.final_price, default=order.final_price
    )
    if Dispute.objects.open().filter(order=order).exists():
        raise Conflict(ALREADY_OPEN, code="dispute_already_open")
    now = timezone.now()
    try:
        dispute = Dispute.objects.create(
            order=order,
            buyer_id=order.buyer_id,
            seller_id=order.seller_id,
            opened_by=actor,
            kind=DisputeKind.ORDER,
            reason=text,
            reason_code=reason_code,
            amount=value,
            currency=order.currency,
            original_amount=order.final_price,
            fee=Decimal("0.00"),
            fee_currency=order.currency,
            respond_by=now + settings.DISPUTE_RESPONSE_WINDOW,
            created_at=now,
            updated_at=now,
            last_activity_at=now,
        )
    except IntegrityError:
        # Only reachable if something wrote past the order lock; the transaction is rolled back
        # with this error, so no savepoint is needed around the insert.
        raise Conflict(ALREADY_OPEN, code="dispute_already_open") from None
    log_event(
        dispute=dispute,
        actor=actor,
        type=EventType.OPENED,
        to_status=DisputeStatus.NEEDS_RESPONSE,
        payload={"reason_code": reason_code, "amount": str(value)},
        at=now,
    )
    # Created with its opener (the actor): the event's shape needs no further read.
    integration_events.dispute_opened(dispute)
    notify_on_commit(
        user_ids=parties(dispute, exclude=actor.pk),
        subject=interpolate_lazy(
            gettext_lazy("A dispute was opened on order #%(order_id)s"), {"order_id": order.pk}
        ),
        body=interpolate_lazy(
            gettext_lazy(
                "%(name)s opened dispute #%(dispute_id)s: "
                "%(text)s\nPlease respond by %(respond_by)s UTC."
            ),
            {
                "name": actor.username,
                "dispute_id": dispute.pk,
                "text": text,
                "respond_by": format(dispute.respond_by, "%Y-%m-%d %H:%M"),
            },
        ),
    )
    return dispute
