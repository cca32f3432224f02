"""What every dispute service shares: the row lock, the one lifecycle transition, the audit event,
input checks and notifications queued in the change's own transaction.

`transition` is the only place a dispute's status is assigned.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django_stubs_ext import StrOrPromise

from accounts.models import User
from disputes import integration_events, states
from disputes.models import TERMINAL_STATUSES, Dispute, DisputeEvent, Offer, OfferStatus
from disputes.notifications import notify_users
from disputes.services import response_target
from echo_disputes.errors import Conflict, InvalidInput, NotFound

REASON_MIN, REASON_MAX = 10, 500
MESSAGE_MAX = 2000
RESOLUTION_MAX = 2000
CENT = Decimal("0.01")


def lock_dispute(dispute_id: int) -> Dispute:
    """The dispute row, locked until the transaction ends (404 when there is none), read with
    its parties (whom the service notifies) without locking them."""
    dispute = (
        Dispute.objects.select_for_update(of=("self",))
        .select_related("buyer", "seller")
        .filter(pk=dispute_id)
        .first()
    )
    if dispute is None:
        raise NotFound(_("Dispute not found"), code="dispute_not_found")
    # The opener is one of the parties (or nobody, for a chargeback): the events carry its name,
    # read here with the parties instead of by one more query.
    for party in (dispute.buyer, dispute.seller):
        if dispute.opened_by_id == party.pk:
            dispute.opened_by = party
    return dispute


def log_event(
    *,
    dispute: Dispute,
    actor: User | None,
    type: str,
    from_status: str = "",
    to_status: str = "",
    payload: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> DisputeEvent:
    return DisputeEvent.objects.create(
        dispute=dispute,
        actor=actor,
        type=type,
        from_status=from_status,
        to_status=to_status,
        payload=payload or {},
        at=at or timezone.now(),
    )


def transition(
    *,
    dispute: Dispute,
    move: states.Move,
    actor: User | None,
    event_type: str,
    now: datetime,
    target: str | None = None,
    payload: dict[str, Any] | None = None,
) -> list[str]:
    """Apply a lifecycle move in memory and log it; returns the fields the caller must save.

    A move to a terminal status also lapses the dispute's open offer (`superseded`): whatever
    decides a dispute (staff, the opener's withdrawal, expiry, the provider), nobody can accept
    an offer on it afterwards. An accepted offer is marked before its settle move, so it stays.

    Every move is also the outbound `dispute.updated` event (and `dispute.closed` when decided),
    written here in the caller's transaction with the dispute as it is in memory: assign what the
    move decides (outcome, refund, resolution) before calling."""
    current = dispute.status
    chosen = target if target is not None else states.single_target(move, current)
    if chosen is None or not states.is_allowed(move, current, chosen):
        if current in TERMINAL_STATUSES:
            raise Conflict(
                _("The dispute is %(current)s; a decided dispute cannot change.")
                % {"current": current},
                code="dispute_closed",
            )
        raise Conflict(
            _("A dispute that is %(current)s cannot be moved this way (%(move)s).")
            % {"current": current, "move": move},
            code="transition_not_allowed",
        )
    dispute.status = chosen
    dispute.updated_at = now
    dispute.last_activity_at = now
    fields = ["status", "updated_at", "last_activity_at"]
    if chosen in TERMINAL_STATUSES:
        dispute.closed_at = now
        fields.append("closed_at")
        # A decided dispute waits for nobody (a staff decision ended its wait answered first).
        fields += response_target.wait_stop(dispute, now)
        lapsed = Offer.objects.filter(dispute_id=dispute.pk, status=OfferStatus.OPEN).update(
            status=OfferStatus.SUPERSEDED, decided_at=now
        )
        if lapsed:
            payload = {**(payload or {}), "offers_lapsed": lapsed}
    log_event(
        dispute=dispute,
        actor=actor,
        type=event_type,
        from_status=current,
        to_status=chosen,
        payload=payload,
        at=now,
    )
    integration_events.status_changed(dispute, previous=current)
    return fields


def parties(dispute: Dispute, *, exclude: int | None = None) -> list[int]:
    return [uid for uid in (dispute.buyer_id, dispute.seller_id) if uid != exclude]


def notify_on_commit(
    *,
    user_ids: list[int],
    subject: StrOrPromise,
    body: StrOrPromise,
    batch_dispute_id: int | None = None,
) -> None:
    """E-mail the users: a task enqueued in this transaction (docs/design.md, "Notifications"),
    so a rolled-back change sends nothing and a committed one is never lost. Lifecycle changes
    (opened, decided, withdrawn, expired) leave at once; pass `batch_dispute_id` for activity
    that may come in bursts, which is batched per party and dispute. Pass the subject and body
    lazy (`gettext_lazy`, `interpolate_lazy`): each recipient's mail is in their language."""
    notify_users(user_ids=user_ids, subject=subject, body=body, batch_dispute_id=batch_dispute_id)


def notify_parties_on_commit(
    *, dispute: Dispute, exclude: int | None = None, subject: StrOrPromise, body: StrOrPromise
) -> None:
    """Thread activity for a dispute read by `lock_dispute`, whose parties came with it:
    batched, so a party gets at most one mail per dispute per `ECHO_MAIL_BATCH_SECONDS`."""
    notify_users(
        users=[party for party in (dispute.buyer, dispute.seller) if party.pk != exclude],
        subject=subject,
        body=body,
        batch_dispute_id=dispute.pk,
    )


def clean_text(value: str, *, field: str, minimum: int, maximum: int, label: StrOrPromise) -> str:
    text = (value or "").strip()
    if not text:
        raise InvalidInput(
            _("%(label)s may not be blank.") % {"label": label},
            details={field: [_("May not be blank.")]},
        )
    if len(text) < minimum:
        raise InvalidInput(
            _("%(label)s must be at least %(minimum)s characters.")
            % {"label": label, "minimum": minimum},
            details={field: [_("At least %(minimum)s characters.") % {"minimum": minimum}]},
        )
    if len(text) > maximum:
        raise InvalidInput(
            _("%(label)s must be at most %(maximum)s characters.")
            % {"label": label, "maximum": maximum},
            details={field: [_("At most %(maximum)s characters.") % {"maximum": maximum}]},
        )
    return text


def money_validate(
    value: Decimal | None,
    *,
    field: str,
    ceiling: Decimal,
    default: Decimal,
    ceiling_label: StrOrPromise | None = None,
) -> Decimal:
    """A positive amount in cents, no more than `ceiling` (the order price unless told)."""
    ceiling_label = ceiling_label or _("the order price")
    if value is None:
        return default
    if not value.is_finite():
        raise InvalidInput(
            _("%(field)s must be a number.") % {"field": field},
            details={field: [_("Must be a number.")]},
        )
    if value != value.quantize(CENT):
        raise InvalidInput(
            _("%(field)s has more than two decimals.") % {"field": field},
            details={field: [_("At most two decimals.")]},
        )
    if value <= 0:
        raise InvalidInput(
            _("%(field)s must be more than zero.") % {"field": field},
            details={field: [_("Must be more than zero.")]},
        )
    if value > ceiling:
        raise InvalidInput(
            _("%(field)s may not exceed %(ceiling_label)s (%(ceiling)s).")
            % {"field": field, "ceiling_label": ceiling_label, "ceiling": ceiling},
            details={field: [_("At most %(ceiling)s.") % {"ceiling": ceiling}]},
        )
    return value
