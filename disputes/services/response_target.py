"""The staff response target (docs/admin.md, Staff response target): how long a dispute may wait
for support staff, written by the services that already run at the moments that start or end a
wait. One helper per moment; each changes the dispute in memory and returns the fields the caller
saves with the rest of its change, in the caller's transaction and under its lock.

A wait starts when a party escalates the dispute or the respondent's answer moves it under
review (`wait_start`); it ends answered when staff post a public message or decide it
(`wait_answer`), and unanswered when anything else ends the dispute (`wait_stop`, from the one
terminal move in `core.transition`). An internal note answers nobody: it changes nothing here.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings

from disputes.models import Dispute, StaffWait

WAIT_FIELDS = ["staff_wait_since", "staff_due_at"]


def staff_response_target() -> timedelta:
    return timedelta(hours=settings.ECHO_STAFF_RESPONSE_HOURS)


def wait_start(dispute: Dispute, now: datetime) -> list[str]:
    """The dispute begins to wait for staff, unless it already does: the running period (and its
    due time) stays, so a second reason to wait never pushes the target back."""
    if dispute.staff_wait_since is not None or dispute.is_terminal:
        return []
    due = now + staff_response_target()
    StaffWait.objects.create(dispute=dispute, started_at=now, due_at=due)
    dispute.staff_wait_since = now
    dispute.staff_due_at = due
    return list(WAIT_FIELDS)


def _end(dispute: Dispute, now: datetime, *, answered: bool) -> list[str]:
    if dispute.staff_wait_since is None:
        return []
    StaffWait.objects.filter(dispute_id=dispute.pk, ended_at__isnull=True).update(
        ended_at=now, answered_at=now if answered else None
    )
    dispute.staff_wait_since = None
    dispute.staff_due_at = None
    return list(WAIT_FIELDS)


def wait_answer(dispute: Dispute, now: datetime) -> list[str]:
    """Staff answered the dispute (a public message, a decision): its wait ends in time or late."""
    return _end(dispute, now, answered=True)


def wait_stop(dispute: Dispute, now: datetime) -> list[str]:
    """The dispute reached a terminal status without a staff answer (withdrawn, settled, expired,
    decided by the payment provider): it no longer waits."""
    return _end(dispute, now, answered=False)
