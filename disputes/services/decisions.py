"""Staff take up and decide disputes, the opener withdraws, and the system expires the
unanswered ones (docs/design.md §4)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from disputes import policies, states
from disputes.models import Dispute, DisputeKind, DisputeStatus, EventType, Outcome
from disputes.policies import Action
from disputes.services import response_target
from disputes.services.assignment import assign_to
from disputes.services.core import (
    RESOLUTION_MAX,
    clean_text,
    lock_dispute,
    money_validate,
    notify_on_commit,
    parties,
    transition,
)
from echo_disputes.errors import InvalidInput
from echo_disputes.i18n import interpolate_lazy


@transaction.atomic
def dispute_take_up(*, actor: User, dispute_id: int) -> Dispute:
    """Staff start reviewing before the respondent has answered; whoever takes the dispute up
    becomes its assignee."""
    dispute = lock_dispute(dispute_id)
    policies.require(actor, Action.TAKE_UP, dispute)
    now = timezone.now()
    fields = transition(
        dispute=dispute,
        move=states.Move.TAKE_UP,
        actor=actor,
        event_type=EventType.TAKEN_UP,
        now=now,
    )
    # TAKE_UP is a staff action (the policy): the taker may own the dispute.
    fields += assign_to(dispute, actor=actor, assignee=actor, now=now)
    dispute.save(update_fields=fields)
    return dispute


@transaction.atomic
def dispute_close(
    *,
    actor: User,
    dispute_id: int,
    resolution: str,
    outcome: str | None = None,
    refund_amount: Decimal | None = None,
) -> Dispute:
    """Staff decide: `won` for the seller, `lost` for the buyer (with a refund up to the order
    price, the disputed amount by default), or no outcome to close without a winner."""
    dispute = lock_dispute(dispute_id)
    policies.require(actor, Action.DECIDE, dispute)
    text = clean_text(
        resolution, field="resolution", minimum=1, maximum=RESOLUTION_MAX, label=_("The resolution")
    )
    moves = {
        None: states.Move.CLOSE,
        "": states.Move.CLOSE,
        Outcome.WON.value: states.Move.DECIDE_WON,
        Outcome.LOST.value: states.Move.DECIDE_LOST,
    }
    if outcome not in moves:
        raise InvalidInput(
            _("outcome must be won, lost or omitted."),
            details={"outcome": [_("Must be won, lost or omitted.")]},
        )
    move = moves[outcome]
    refund: Decimal | None = None
    if move is states.Move.DECIDE_LOST:
        refund = money_validate(
            refund_amount,
            field="refundAmount",
            ceiling=dispute.original_amount,
            default=dispute.amount,
        )
    elif refund_amount is not None:
        raise InvalidInput(
            _("A refund is recorded only when the buyer wins (outcome lost)."),
            details={"refundAmount": [_("Only with outcome lost.")]},
        )
    now = timezone.now()
    # Assigned before the move: its events (dispute.closed) carry the decision.
    dispute.resolution = text
    dispute.outcome = outcome or ""
    dispute.refund_amount = refund
    dispute.closed_by = actor
    # The decision is staff's answer: the wait ends answered before the terminal move stops it.
    answered = response_target.wait_answer(dispute, now)
    fields = transition(
        dispute=dispute,
        move=move,
        actor=actor,
        now=now,
        event_type=EventType.CLOSED if move is states.Move.CLOSE else EventType.DECIDED,
        payload={
            "outcome": outcome or "",
            "refund_amount": str(refund) if refund else None,
            "resolution": text,
        },
    )
    dispute.save(
        update_fields=[
            *fields,
            *answered,
            "resolution",
            "outcome",
            "refund_amount",
            "closed_by",
        ]
    )
    notify_on_commit(
        user_ids=parties(dispute),
        subject=interpolate_lazy(
            gettext_lazy("Dispute #%(dispute_id)s was decided: %(status)s"),
            {"dispute_id": dispute.pk, "status": DisputeStatus(dispute.status).label},
        ),
        body=interpolate_lazy(gettext_lazy("Resolution: %(text)s"), {"text": text}),
    )
    return dispute


@transaction.atomic
def dispute_withdraw(*, actor: User, dispute_id: int) -> Dispute:
    """The opener drops the dispute; it closes with outcome `withdrawn`."""
    dispute = lock_dispute(dispute_id)
    policies.require(actor, Action.WITHDRAW, dispute)
    now = timezone.now()
    # Assigned before the move: its events (dispute.closed) carry the outcome.
    dispute.outcome = Outcome.WITHDRAWN
    dispute.closed_by = actor
    fields = transition(
        dispute=dispute,
        move=states.Move.WITHDRAW,
        actor=actor,
        event_type=EventType.WITHDRAWN,
        now=now,
    )
    dispute.save(update_fields=[*fields, "outcome", "closed_by"])
    notify_on_commit(
        user_ids=parties(dispute, exclude=actor.pk),
        subject=interpolate_lazy(
            gettext_lazy("Dispute #%(dispute_id)s was withdrawn"), {"dispute_id": dispute.pk}
        ),
        body=interpolate_lazy(
            gettext_lazy("%(name)s withdrew the dispute."),
            {"name": actor.username},
        ),
    )
    return dispute


def disputes_expire(*, now: datetime | None = None, batch_size: int = 500) -> int:
    """The system decides for the buyer when the respondent of a party dispute let `respond_by`
    pass. A chargeback is never expired here: the payment provider decides it, and its `won` or
    `lost` arrives by webhook (docs/design.md §8).

    Safe to run on several hosts at once: each batch locks its rows with SKIP LOCKED, so two
    runners never pick the same dispute, and a row already expired no longer matches.
    """
    moment = now or timezone.now()
    expired = 0
    while True:
        with transaction.atomic():
            # With the opener, whose name the outbound events carry (locking only the dispute).
            batch = list(
                Dispute.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("opened_by")
                .filter(
                    kind=DisputeKind.ORDER,
                    status=DisputeStatus.NEEDS_RESPONSE,
                    respond_by__lt=moment,
                )
                .order_by("respond_by", "id")[:batch_size]
            )
            if not batch:
                return expired
            for dispute in batch:
                # Assigned before the move: its events (dispute.closed) carry the decision.
                dispute.outcome = Outcome.EXPIRED
                dispute.refund_amount = dispute.amount
                fields = transition(
                    dispute=dispute,
                    move=states.Move.EXPIRE,
                    actor=None,
                    event_type=EventType.EXPIRED,
                    now=timezone.now(),
                    payload={"respond_by": dispute.respond_by.isoformat()},
                )
                dispute.save(update_fields=[*fields, "outcome", "refund_amount"])
                notify_on_commit(
                    user_ids=parties(dispute),
                    subject=interpolate_lazy(
                        gettext_lazy("Dispute #%(dispute_id)s expired"), {"dispute_id": dispute.pk}
                    ),
                    body=gettext_lazy(
                        "The deadline to respond passed without a response; the dispute was "
                        "decided for the buyer."
                    ),
                )
            expired += len(batch)
