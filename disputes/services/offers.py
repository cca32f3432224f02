"""The parties settle alone: offers of a refund between buyer and seller, and escalation to staff
when they cannot agree (docs/design.md §4, Offers and escalation).

Every offer write happens under the dispute's row lock, and the offer is read again after the
lock is taken: two answers to one offer, an accept and a withdrawal, or an accept and a staff
decision are serialized by that lock, and the one that comes second finds the offer (or the
dispute) no longer open: 409.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_stubs_ext import StrOrPromise

from accounts.models import User
from disputes import integration_events, policies, states
from disputes.models import Dispute, EventType, Offer, OfferStatus, Outcome
from disputes.policies import Action
from disputes.services import response_target
from disputes.services.core import (
    REASON_MAX,
    REASON_MIN,
    clean_text,
    lock_dispute,
    log_event,
    money_validate,
    notify_on_commit,
    notify_parties_on_commit,
    parties,
    transition,
)
from echo_disputes.errors import Conflict, InvalidInput, NotFound
from echo_disputes.i18n import interpolate_lazy
from integrations import outbox

NOTE_MAX = 500


def _require_step(dispute: Dispute, step: states.Step) -> None:
    if not states.step_allowed(step, dispute.status):
        raise Conflict(
            _("The dispute is %(status)s; a decided dispute takes no offers or escalation.")
            % {"status": dispute.status},
            code="dispute_closed",
        )


def _locked_offer(dispute: Dispute, offer_id: int) -> Offer:
    """The dispute's offer, read after the dispute's lock: its status is the current one, since
    no offer changes without that lock."""
    # With its proposer, whose name the outbound offer events carry.
    offer = (
        Offer.objects.select_related("proposed_by")
        .filter(pk=offer_id, dispute_id=dispute.pk)
        .first()
    )
    if offer is None:
        raise NotFound(_("Offer not found"), code="offer_not_found")
    offer.dispute = dispute
    return offer


def _require_open(offer: Offer) -> None:
    if not offer.is_open:
        raise Conflict(
            _("The offer is %(status)s; only an open offer can change.") % {"status": offer.status},
            code="offer_not_open",
        )


def _touch(dispute: Dispute, now: datetime) -> list[str]:
    dispute.updated_at = now
    dispute.last_activity_at = now
    return ["updated_at", "last_activity_at"]


def _money(amount: Decimal, currency: str) -> str:
    return f"{amount} {currency}"


@transaction.atomic
def offer_propose(
    *,
    actor: User,
    dispute_id: int,
    amount: Decimal | None,
    note: str = "",
    currency: str | None = None,
) -> Offer:
    """A party proposes a refund of `amount` (0 < amount <= the disputed amount, in cents, in
    the dispute's currency: `currency`, if given, must be it). It supersedes the open offer."""
    dispute = lock_dispute(dispute_id)
    policies.require(actor, Action.PROPOSE_OFFER, dispute)
    if amount is None:
        raise InvalidInput(
            _("amount is required."), details={"amount": [_("This field is required.")]}
        )
    value = money_validate(
        amount,
        field="amount",
        ceiling=dispute.amount,
        default=dispute.amount,
        ceiling_label=_("the disputed amount"),
    )
    if currency is not None and currency.upper() != dispute.currency:
        raise InvalidInput(
            _("The offer must be in the dispute's currency (%(currency)s).")
            % {"currency": dispute.currency},
            details={"currency": [_("Must be %(currency)s.") % {"currency": dispute.currency}]},
        )
    text = (note or "").strip()
    if len(text) > NOTE_MAX:
        raise InvalidInput(
            _("The note must be at most %(maximum)s characters.") % {"maximum": NOTE_MAX},
            details={"note": [_("At most %(maximum)s characters.") % {"maximum": NOTE_MAX}]},
        )
    _require_step(dispute, states.Step.PROPOSE_OFFER)
    now = timezone.now()
    superseded = list(
        Offer.objects.filter(dispute_id=dispute.pk, status=OfferStatus.OPEN).values_list(
            "pk", flat=True
        )
    )
    if superseded:
        Offer.objects.filter(pk__in=superseded).update(
            status=OfferStatus.SUPERSEDED, decided_at=now
        )
    offer = Offer.objects.create(
        dispute=dispute,
        proposed_by=actor,
        amount=value,
        currency=dispute.currency,
        note=text,
        created_at=now,
    )
    log_event(
        dispute=dispute,
        actor=actor,
        type=EventType.OFFER_MADE,
        payload={
            "offer_id": offer.pk,
            "amount": str(value),
            "currency": dispute.currency,
            "superseded_offer_id": superseded[0] if superseded else None,
        },
        at=now,
    )
    dispute.save(update_fields=_touch(dispute, now))
    integration_events.offer_event(outbox.OFFER_CREATED, offer, dispute)
    notify_parties_on_commit(
        dispute=dispute,
        exclude=actor.pk,
        subject=interpolate_lazy(
            gettext_lazy("New offer on dispute #%(dispute_id)s"), {"dispute_id": dispute.pk}
        ),
        body=interpolate_lazy(
            gettext_lazy(
                "%(name)s offers a refund of %(amount)s.%(note)s\n\n"
                "You may accept or decline it on the dispute's page."
            ),
            {
                "name": actor.username,
                "amount": _money(value, dispute.currency),
                "note": f"\n\n{text}" if text else "",
            },
        ),
    )
    return offer


def settlement_text(dispute: Dispute, offer: Offer, accepter: User) -> StrOrPromise:
    """The settlement in words, lazy: the parties' mails read it in their language, the stored
    resolution is written in LANGUAGE_CODE."""
    proposer = dispute.buyer if offer.proposed_by_id == dispute.buyer_id else dispute.seller
    return interpolate_lazy(
        gettext_lazy(
            "Settled between the parties: the buyer is refunded %(refund)s of the %(amount)s "
            "disputed, as offered by %(proposer)s and accepted by %(accepter)s."
        ),
        {
            "refund": _money(offer.amount, offer.currency),
            "amount": _money(dispute.amount, dispute.currency),
            "proposer": proposer.username,
            "accepter": accepter.username,
        },
    )


@transaction.atomic
def offer_accept(*, actor: User, dispute_id: int, offer_id: int) -> Dispute:
    """The party who did not propose the offer accepts it: the dispute closes, outcome
    `settled`, with the offer as the buyer's refund, like a decision for the buyer."""
    dispute = lock_dispute(dispute_id)
    offer = _locked_offer(dispute, offer_id)
    policies.require(actor, Action.ANSWER_OFFER, offer)
    _require_step(dispute, states.Step.ANSWER_OFFER)
    _require_open(offer)
    now = timezone.now()
    # Marked before the move, so the terminal move's lapse of open offers leaves it alone.
    offer.status = OfferStatus.ACCEPTED
    offer.decided_at = now
    offer.save(update_fields=["status", "decided_at"])
    # First the acceptance, then the settle move's own events (dispute.updated, dispute.closed).
    integration_events.offer_event(outbox.OFFER_ACCEPTED, offer, dispute)
    text = settlement_text(dispute, offer, actor)
    # Assigned before the move: its events carry the settlement.
    dispute.outcome = Outcome.SETTLED
    dispute.refund_amount = offer.amount
    with translation.override(settings.LANGUAGE_CODE):
        dispute.resolution = str(text)
    dispute.closed_by = actor
    fields = transition(
        dispute=dispute,
        move=states.Move.SETTLE,
        actor=actor,
        event_type=EventType.OFFER_ACCEPTED,
        now=now,
        payload={
            "offer_id": offer.pk,
            "outcome": Outcome.SETTLED.value,
            "refund_amount": str(offer.amount),
            "resolution": dispute.resolution,
        },
    )
    dispute.save(update_fields=[*fields, "outcome", "refund_amount", "resolution", "closed_by"])
    # A settlement ends the dispute: told at once, like a decision, never held in a batch.
    notify_on_commit(
        user_ids=parties(dispute),
        subject=interpolate_lazy(
            gettext_lazy("Dispute #%(dispute_id)s was settled"), {"dispute_id": dispute.pk}
        ),
        body=text,
    )
    return dispute


def _end_offer(
    dispute: Dispute, offer: Offer, *, actor: User, status: OfferStatus, event: EventType
) -> None:
    """Decline or withdraw: the offer ends with `status`, the timeline says so, and the dispute,
    still open, shows activity."""
    now = timezone.now()
    offer.status = status
    offer.decided_at = now
    offer.save(update_fields=["status", "decided_at"])
    log_event(dispute=dispute, actor=actor, type=event, payload={"offer_id": offer.pk}, at=now)
    dispute.save(update_fields=_touch(dispute, now))


@transaction.atomic
def offer_decline(*, actor: User, dispute_id: int, offer_id: int) -> Offer:
    """The party who did not propose the offer declines it; the dispute stays open."""
    dispute = lock_dispute(dispute_id)
    offer = _locked_offer(dispute, offer_id)
    policies.require(actor, Action.ANSWER_OFFER, offer)
    _require_step(dispute, states.Step.ANSWER_OFFER)
    _require_open(offer)
    _end_offer(
        dispute, offer, actor=actor, status=OfferStatus.DECLINED, event=EventType.OFFER_DECLINED
    )
    integration_events.offer_event(outbox.OFFER_DECLINED, offer, dispute)
    notify_parties_on_commit(
        dispute=dispute,
        exclude=actor.pk,
        subject=interpolate_lazy(
            gettext_lazy("Your offer on dispute #%(dispute_id)s was declined"),
            {"dispute_id": dispute.pk},
        ),
        body=interpolate_lazy(
            gettext_lazy("%(name)s declined the offer of %(amount)s."),
            {
                "name": actor.username,
                "amount": _money(offer.amount, offer.currency),
            },
        ),
    )
    return offer


@transaction.atomic
def offer_withdraw(*, actor: User, dispute_id: int, offer_id: int) -> Offer:
    """The proposer takes the open offer back; the dispute stays open."""
    dispute = lock_dispute(dispute_id)
    offer = _locked_offer(dispute, offer_id)
    policies.require(actor, Action.WITHDRAW_OFFER, offer)
    _require_step(dispute, states.Step.WITHDRAW_OFFER)
    _require_open(offer)
    _end_offer(
        dispute, offer, actor=actor, status=OfferStatus.WITHDRAWN, event=EventType.OFFER_WITHDRAWN
    )
    notify_parties_on_commit(
        dispute=dispute,
        exclude=actor.pk,
        subject=interpolate_lazy(
            gettext_lazy("An offer on dispute #%(dispute_id)s was withdrawn"),
            {"dispute_id": dispute.pk},
        ),
        body=interpolate_lazy(
            gettext_lazy("%(name)s withdrew the offer of %(amount)s."),
            {
                "name": actor.username,
                "amount": _money(offer.amount, offer.currency),
            },
        ),
    )
    return offer


@transaction.atomic
def dispute_escalate(*, actor: User, dispute_id: int, reason: str) -> Dispute:
    """A party asks staff to decide, once per dispute. The deadline and expiry stay as they are:
    escalation puts the dispute first in the queue, it does not pause it."""
    dispute = lock_dispute(dispute_id)
    policies.require(actor, Action.ESCALATE, dispute)
    text = clean_text(
        reason, field="reason", minimum=REASON_MIN, maximum=REASON_MAX, label=_("The reason")
    )
    _require_step(dispute, states.Step.ESCALATE)
    if dispute.escalated_at is not None:
        raise Conflict(_("The dispute was already escalated to staff."), code="already_escalated")
    now = timezone.now()
    dispute.escalated_at = now
    dispute.escalated_by = actor
    dispute.escalation_reason = text
    log_event(
        dispute=dispute,
        actor=actor,
        type=EventType.ESCALATED,
        payload={"reason": text},
        at=now,
    )
    dispute.save(
        update_fields=[
            *_touch(dispute, now),
            "escalated_at",
            "escalated_by",
            "escalation_reason",
            *response_target.wait_start(dispute, now),
        ]
    )
    integration_events.dispute_escalated(dispute)
    # Once per dispute, and it changes who acts next: told at once, like a decision.
    notify_on_commit(
        user_ids=parties(dispute),
        subject=interpolate_lazy(
            gettext_lazy("Dispute #%(dispute_id)s was escalated to support staff"),
            {"dispute_id": dispute.pk},
        ),
        body=interpolate_lazy(
            gettext_lazy("%(name)s asked support staff to decide the dispute:\n\n%(text)s"),
            {"name": actor.username, "text": text},
        ),
    )
    return dispute
