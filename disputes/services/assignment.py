"""Who owns a dispute on the support desk: assign, reassign, unassign (docs/admin.md, Assignment).

The assignee is staff-internal: it changes no status (not a states.py move), moves neither
`updated_at` nor `last_activity_at`, mails nobody and is not on the outbound event feed; the
timeline events it writes are staff-only (`INTERNAL_EVENT_TYPES`). See docs/decisions.md.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from disputes import policies, states
from disputes.models import Dispute, EventType
from disputes.policies import Action
from disputes.services.core import lock_dispute, log_event
from echo_disputes.errors import Conflict, InvalidInput

FIELD = "assigneeId"


def _username(user_id: int | None) -> str | None:
    if user_id is None:
        return None
    return User.objects.filter(pk=user_id).values_list("username", flat=True).first()


def assign_to(dispute: Dispute, *, actor: User, assignee: User | None, now: datetime) -> list[str]:
    """Give the locked dispute its new assignee in memory and log the change (assigned,
    reassigned or unassigned, with who and to whom); returns the fields to save, none when the
    assignee does not change. The caller has asked the policy and checked the assignee."""
    previous_id = dispute.assignee_id
    new_id = assignee.pk if assignee is not None else None
    if previous_id == new_id:
        return []
    if previous_id is None:
        event = EventType.ASSIGNED
    elif new_id is None:
        event = EventType.UNASSIGNED
    else:
        event = EventType.REASSIGNED
    log_event(
        dispute=dispute,
        actor=actor,
        type=event,
        payload={
            "from_assignee_id": previous_id,
            "from_assignee": _username(previous_id),
            "to_assignee_id": new_id,
            "to_assignee": assignee.username if assignee is not None else None,
        },
        at=now,
    )
    dispute.assignee = assignee
    return ["assignee"]


def _assignee(assignee_id: int | None) -> User | None:
    if assignee_id is None:
        return None
    user = User.objects.filter(pk=assignee_id).first()
    if user is None:
        raise InvalidInput(
            _("No user has this id."),
            code="invalid_assignee",
            details={FIELD: [_("No user has this id.")]},
        )
    if not policies.may_be_assignee(user):
        raise InvalidInput(
            _("Only active support staff may be assigned a dispute."),
            code="invalid_assignee",
            details={FIELD: [_("Must be an active support staff user.")]},
        )
    return user


@transaction.atomic
def dispute_assign(*, actor: User, dispute_id: int, assignee_id: int | None) -> Dispute:
    """Staff assign the dispute to an agent (`assignee_id`), or unassign it (None). Assigning it
    to whoever already holds it writes nothing."""
    dispute = lock_dispute(dispute_id)
    policies.require(actor, Action.ASSIGN, dispute)
    assignee = _assignee(assignee_id)
    if not states.step_allowed(states.Step.ASSIGN, dispute.status):
        raise Conflict(
            _("The dispute is %(status)s; a decided dispute keeps its assignee.")
            % {"status": dispute.status},
            code="dispute_closed",
        )
    fields = assign_to(dispute, actor=actor, assignee=assignee, now=timezone.now())
    if fields:
        dispute.save(update_fields=fields)
    return dispute
