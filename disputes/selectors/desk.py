"""Reads for the support desk's teamwork: who holds the open disputes, where each dispute stands
against the staff response target, and how often staff answered in time, per week.

The waiting states and the weekly share take `disputes.models.staff_overdue`'s boundary from its
query forms beside it: at its due time a dispute is overdue, and an answer at the due time is
late (docs/decisions.md)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from django.db.models import Count, F, Q, QuerySet
from django.db.models.functions import TruncWeek
from django.utils import timezone

from accounts.models import User
from accounts.policies import support_staff_q
from disputes.models import (
    OPEN_STATUSES,
    Dispute,
    StaffWait,
    staff_answered_in_time_q,
    staff_overdue_q,
)

# "Due soon": the queue's middle band between on track and overdue.
DUE_SOON = timedelta(hours=4)
SHARE_WEEKS = 8


class StaffResponse(StrEnum):
    OVERDUE = "overdue"
    DUE_SOON = "soon"
    ON_TRACK = "on_track"
    NOT_WAITING = "not_waiting"


def staff_response_q(state: StaffResponse, now: datetime) -> Q:
    """Disputes in one band of the staff response target at `now`."""
    if state is StaffResponse.OVERDUE:
        return staff_overdue_q(now)
    if state is StaffResponse.DUE_SOON:
        return (
            Q(staff_due_at__isnull=False) & ~staff_overdue_q(now) & staff_overdue_q(now + DUE_SOON)
        )
    if state is StaffResponse.ON_TRACK:
        return Q(staff_due_at__isnull=False) & ~staff_overdue_q(now + DUE_SOON)
    return Q(staff_due_at__isnull=True)


def support_agents() -> QuerySet[User]:
    """Who may be assigned a dispute (active support staff), by username."""
    return User.objects.filter(support_staff_q()).order_by("username", "id")


@dataclass(frozen=True)
class AgentLoad:
    assignee_id: int | None
    username: str | None
    open_disputes: int


def open_per_agent() -> list[AgentLoad]:
    """Open disputes per assignee, unassigned (None) first, then by username: one grouped query
    (only agents who hold an open dispute appear)."""
    rows = (
        Dispute.objects.filter(status__in=OPEN_STATUSES)
        .values_list("assignee_id", "assignee__username")
        .annotate(n=Count("id"))
        .order_by(F("assignee__username").asc(nulls_first=True), "assignee_id")
    )
    return [AgentLoad(assignee_id=a, username=u, open_disputes=n) for a, u, n in rows]


@dataclass(frozen=True)
class WeekShare:
    week: date
    measured: int
    in_time: int

    @property
    def percent(self) -> int | None:
        """Whole percent answered in time, None for a week with no wait to measure."""
        if not self.measured:
            return None
        return round(100 * self.in_time / self.measured)


def staff_answer_share_per_week(
    *, now: datetime | None = None, weeks: int = SHARE_WEEKS
) -> list[WeekShare]:
    """For each of the last `weeks` weeks (Monday to Sunday, this one included, oldest first),
    the waits that came due in that week up to `now` and how many staff answered in time.

    A wait is measured once it is due (or answered): answered before its due time is in time; not
    answered by then is late, whether it still runs or the dispute ended later. A wait that ended
    unanswered before it was due (the parties settled, the opener withdrew) is not measured:
    nobody still needed an answer. One grouped query."""
    moment = now or timezone.now()
    today = timezone.localdate(moment)
    this_monday = today - timedelta(days=today.weekday())
    first_monday = this_monday - timedelta(weeks=weeks - 1)
    since = timezone.make_aware(datetime.combine(first_monday, datetime.min.time()))
    rows = (
        StaffWait.objects.filter(due_at__gte=since, due_at__lte=moment)
        .exclude(answered_at__isnull=True, ended_at__lt=F("due_at"))
        .annotate(week=TruncWeek("due_at"))
        .values_list("week")
        .annotate(
            measured=Count("id"),
            in_time=Count("id", filter=staff_answered_in_time_q()),
        )
        .order_by("week")
    )
    found = {_as_date(week): (measured, in_time) for week, measured, in_time in rows}
    series = []
    for offset in range(weeks):
        monday = first_monday + timedelta(weeks=offset)
        measured, in_time = found.get(monday, (0, 0))
        series.append(WeekShare(week=monday, measured=measured, in_time=in_time))
    return series


def _as_date(value: date | datetime) -> date:
    # TruncWeek of a datetime is an aware datetime in the current time zone.
    return timezone.localtime(value).date() if isinstance(value, datetime) else value
