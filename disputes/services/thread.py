"""Posting to a dispute's thread: one service, one path, for the API, the pages and the admin."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from disputes import integration_events, policies, states
from disputes.models import Dispute, DisputeStatus, EventType, Message, Visibility
from disputes.policies import Action
from disputes.services import response_target
from disputes.services.core import (
    MESSAGE_MAX,
    clean_text,
    lock_dispute,
    log_event,
    notify_parties_on_commit,
    transition,
)
from echo_disputes.errors import Conflict, InvalidInput
from echo_disputes.i18n import interpolate_lazy


def answer_moves_status(actor_id: int | None, dispute: Dispute) -> bool:
    """The respondent's answer to a dispute that needs one moves it under review."""
    return actor_id == dispute.respondent_id and dispute.status == DisputeStatus.NEEDS_RESPONSE


def counts_as_response(actor_id: int | None, dispute: Dispute) -> bool:
    """A public message from anyone but the opener is a response (first-response time)."""
    return actor_id != dispute.opened_by_id


def _check_room(dispute: Dispute) -> None:
    """A dispute holds at most ECHO_MAX_MESSAGES_PER_DISPUTE public messages. Counted under the
    dispute's lock, so two posts at once cannot both take the last place. Internal notes do not
    count and are never refused: staff must be able to record why they decide, also on a full
    thread (docs/decisions.md)."""
    limit = settings.ECHO_MAX_MESSAGES_PER_DISPUTE
    held = Message.objects.filter(dispute_id=dispute.pk, visibility=Visibility.PUBLIC).count()
    if held >= limit:
        raise Conflict(
            _(
                "This dispute already holds %(limit)s messages, the most one "
                "dispute takes; support staff can still read and decide it."
            )
            % {"limit": limit},
            code="message_limit_reached",
        )


@transaction.atomic
def message_post(
    *, actor: User, dispute_id: int, body: str, visibility: str = Visibility.PUBLIC
) -> Message:
    """Post to the thread. The respondent's first public message moves the dispute under review;
    internal notes are staff-only and change nothing a party can see.

    The dispute row is locked first, so the status check, the respondent's move and the
    first-response time are decided against the row as it is, whatever is posted at once."""
    dispute = lock_dispute(dispute_id)
    if visibility not in Visibility.values:
        raise InvalidInput(
            _("visibility must be public or internal."),
            details={"visibility": [_("Must be public or internal.")]},
        )
    internal = visibility == Visibility.INTERNAL
    policies.require(actor, Action.POST_NOTE if internal else Action.POST_MESSAGE, dispute)
    text = clean_text(body, field="message", minimum=1, maximum=MESSAGE_MAX, label=_("The message"))
    if dispute.is_terminal:
        raise Conflict(
            _("The dispute is %(status)s; no new messages.") % {"status": dispute.status},
            code="dispute_closed",
        )
    if not internal:
        _check_room(dispute)
    now = timezone.now()
    message = Message.objects.create(
        dispute=dispute, author=actor, body=text, visibility=visibility, created_at=now
    )
    log_event(
        dispute=dispute,
        actor=actor,
        type=EventType.NOTE_POSTED if internal else EventType.MESSAGE_POSTED,
        payload={"message_id": message.pk},
        at=now,
    )
    if internal:
        # Notes leave no visible trace: not even the dispute's activity time moves.
        return message
    dispute.updated_at = now
    dispute.last_activity_at = now
    fields = ["updated_at", "last_activity_at"]
    if dispute.first_response_at is None and counts_as_response(actor.pk, dispute):
        dispute.first_response_at = now
        fields.append("first_response_at")
    # Before the respondent's move, which is its own event (dispute.updated) after this one.
    integration_events.message_created(message, dispute)
    if answer_moves_status(actor.pk, dispute):
        fields += transition(
            dispute=dispute,
            move=states.Move.RESPOND,
            actor=actor,
            event_type=EventType.RESPONDED,
            now=now,
            payload={"message_id": message.pk},
        )
        # The respondent answered: staff now owe the dispute a look.
        fields += response_target.wait_start(dispute, now)
    elif policies.answers_for_staff(actor, dispute):
        fields += response_target.wait_answer(dispute, now)
    dispute.save(update_fields=sorted(set(fields)))
    notify_parties_on_commit(
        dispute=dispute,
        exclude=actor.pk,
        subject=interpolate_lazy(
            gettext_lazy("New message on dispute #%(dispute_id)s"), {"dispute_id": dispute.pk}
        ),
        body=interpolate_lazy(
            gettext_lazy("%(name)s wrote:\n\n%(text)s"),
            {"name": actor.username, "text": text},
        ),
    )
    return message
