"""Reminding the respondent of a party dispute that `respond_by` is near (docs/design.md §4,
Reminders): once 72 hours before it and once 24 hours before it, by e-mail, each recorded on the
dispute (`reminded_72h_at`, `reminded_24h_at`) and on its timeline (`reminder_sent`).

Each reminder has a window: from its moment (`respond_by` less its hours) to the next reminder's
moment, and the last one to `respond_by` itself. A reminder is sent only inside its window, so a
runner that was down for a day never sends "72 hours left" when less than 24 are; and only if its
moment came after the dispute was opened, so a dispute opened with 50 hours left gets the 24-hour
reminder alone (its opening mail already named the deadline). Never once the dispute no longer
needs a response (the respondent answered, staff took it up, it was decided), and never for a
chargeback, whose deadline and reminders are the payment provider's (docs/decisions.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy
from django_stubs_ext import StrOrPromise

from disputes.models import Dispute, DisputeKind, DisputeStatus, EventType
from disputes.notifications import notify_users, receives_mail
from disputes.services.core import log_event
from echo_disputes.i18n import interpolate_lazy


@dataclass(frozen=True)
class Reminder:
    key: str
    hours: int
    field: str


# Earliest first: each reminder's window ends where the next one's begins.
REMINDERS: tuple[Reminder, ...] = (
    Reminder("72h", 72, "reminded_72h_at"),
    Reminder("24h", 24, "reminded_24h_at"),
)


def _due_q(index: int, now: datetime) -> Q:
    """The party disputes whose reminder `REMINDERS[index]` is due at `now`."""
    reminder = REMINDERS[index]
    ahead = timedelta(hours=reminder.hours)
    # The window closes at the next reminder's moment, or at the deadline for the last one.
    closes = timedelta(hours=REMINDERS[index + 1].hours) if index + 1 < len(REMINDERS) else None
    due = Q(
        kind=DisputeKind.ORDER,
        status=DisputeStatus.NEEDS_RESPONSE,
        respond_by__lte=now + ahead,
        respond_by__gt=now + (closes or timedelta(0)),
        # The reminder's moment came after the dispute was opened.
        respond_by__gte=F("created_at") + ahead,
    )
    return due & Q(**{f"{reminder.field}__isnull": True})


def _body(dispute: Dispute, reminder: Reminder) -> StrOrPromise:
    return interpolate_lazy(
        gettext_lazy(
            "Dispute #%(dispute_id)s on order #%(order_id)s is waiting for your response.\n\n"
            "Please respond by %(respond_by)s UTC (about %(hours)s hours from now): post your "
            "side of the story in the dispute's thread. If no response arrives by then, the "
            "dispute is decided without it."
        ),
        {
            "dispute_id": dispute.pk,
            "order_id": dispute.order_id,
            "respond_by": f"{dispute.respond_by:%Y-%m-%d %H:%M}",
            "hours": reminder.hours,
        },
    )


def reminders_send(*, now: datetime | None = None, batch_size: int = 500) -> int:
    """Send every reminder due at `now` (default: the current time); returns how many were sent.

    Safe to run on several hosts at once: each batch locks its disputes with SKIP LOCKED, so two
    runners never pick the same one, and a dispute reminded in a committed batch no longer matches
    (its `reminded_*_at` is set). The mail is a task queued in the same transaction."""
    moment = now or timezone.now()
    sent = 0
    for index, reminder in enumerate(REMINDERS):
        due = _due_q(index, moment)
        while True:
            with transaction.atomic():
                batch = list(
                    Dispute.objects.select_for_update(skip_locked=True, of=("self",))
                    .select_related("buyer", "seller")
                    .filter(due)
                    .order_by("respond_by", "id")[:batch_size]
                )
                if not batch:
                    break
                for dispute in batch:
                    _remind(dispute, reminder, at=timezone.now())
                sent += len(batch)
    return sent


def _remind(dispute: Dispute, reminder: Reminder, *, at: datetime) -> None:
    respondent = dispute.buyer if dispute.respondent_id == dispute.buyer_id else dispute.seller
    # The moment is recorded whether or not the respondent receives mail (no address, a closed
    # account): it was handled, and is not tried again on every run.
    setattr(dispute, reminder.field, at)
    dispute.save(update_fields=[reminder.field])
    log_event(
        dispute=dispute,
        actor=None,
        type=EventType.REMINDER_SENT,
        payload={
            "reminder": reminder.key,
            "respond_by": dispute.respond_by.isoformat(),
            "recipient_id": respondent.pk,
            "mailed": receives_mail(respondent),
        },
        at=at,
    )
    notify_users(
        users=[respondent],
        subject=interpolate_lazy(
            gettext_lazy("Dispute #%(dispute_id)s: %(hours)s hours left to respond"),
            {"dispute_id": dispute.pk, "hours": reminder.hours},
        ),
        body=_body(dispute, reminder),
    )
