"""What the reminder tests share: a dispute whose deadline is a known time from a fixed `now`."""

from __future__ import annotations

from datetime import datetime, timedelta

from disputes.models import Dispute

HOUR = timedelta(hours=1)
SECOND = timedelta(seconds=1)


def due_in(
    dispute: Dispute, left: timedelta, *, now: datetime, opened_with: timedelta | None = None
) -> Dispute:
    """Set the deadline `left` after `now`; the dispute was opened `opened_with` before the
    deadline (a full week, the default window, unless told)."""
    respond_by = now + left
    opened = respond_by - (opened_with if opened_with is not None else timedelta(days=7))
    Dispute.objects.filter(pk=dispute.pk).update(respond_by=respond_by, created_at=opened)
    dispute.refresh_from_db()
    return dispute


def reminded(dispute: Dispute) -> list[str]:
    """Which reminders the dispute records as sent, earliest first."""
    dispute.refresh_from_db()
    return [
        key
        for key, at in (("72h", dispute.reminded_72h_at), ("24h", dispute.reminded_24h_at))
        if at is not None
    ]
