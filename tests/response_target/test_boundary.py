"""The overdue boundary of the staff response target, with fixed timestamps: at the due time a
dispute is overdue, and an answer at the due time is late (docs/decisions.md)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from disputes.admin.base import staff_response_badge
from disputes.models import Dispute, StaffWait, staff_in_time, staff_overdue
from disputes.selectors.desk import DUE_SOON, StaffResponse, staff_response_q
from tests.factories import make_dispute

DUE = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
TICK = timedelta(microseconds=1)


@pytest.mark.parametrize(
    ("now", "overdue"),
    [(DUE - timedelta(seconds=1), False), (DUE - TICK, False), (DUE, True), (DUE + TICK, True)],
)
def test_overdue_at_and_after_the_due_time(now: datetime, overdue: bool) -> None:
    assert staff_overdue(DUE, now) is overdue


@pytest.mark.parametrize(
    ("answered", "in_time"),
    [(DUE - timedelta(minutes=1), True), (DUE - TICK, True), (DUE, False), (DUE + TICK, False)],
)
def test_an_answer_at_the_due_time_is_late(answered: datetime, in_time: bool) -> None:
    assert staff_in_time(answered, DUE) is in_time
    wait = StaffWait(started_at=DUE - timedelta(hours=24), due_at=DUE, answered_at=answered)
    assert wait.answered_in_time is in_time


def _band(dispute: Dispute, now: datetime) -> list[StaffResponse]:
    return [
        state
        for state in StaffResponse
        if Dispute.objects.filter(staff_response_q(state, now), pk=dispute.pk).exists()
    ]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("now", "band"),
    [
        (DUE - DUE_SOON - TICK, StaffResponse.ON_TRACK),
        (DUE - DUE_SOON, StaffResponse.DUE_SOON),
        (DUE - TICK, StaffResponse.DUE_SOON),
        (DUE, StaffResponse.OVERDUE),
        (DUE + TICK, StaffResponse.OVERDUE),
        (DUE + timedelta(days=3), StaffResponse.OVERDUE),
    ],
)
def test_each_dispute_is_in_exactly_one_band(now: datetime, band: StaffResponse) -> None:
    dispute = make_dispute()
    Dispute.objects.filter(pk=dispute.pk).update(
        staff_wait_since=DUE - timedelta(hours=24), staff_due_at=DUE
    )
    assert _band(dispute, now) == [band]


@pytest.mark.django_db
def test_a_dispute_that_does_not_wait_is_not_waiting() -> None:
    assert _band(make_dispute(), DUE) == [StaffResponse.NOT_WAITING]


@pytest.mark.parametrize(
    ("now", "text", "css"),
    [
        (DUE - timedelta(hours=5), "in 5 h 0 min", "echo-timeleft"),
        (DUE - timedelta(hours=2, minutes=30), "in 2 h 30 min", "echo-soon"),
        (DUE - timedelta(seconds=30), "in 0 min", "echo-soon"),
        (DUE, "overdue by 0 min", "echo-overdue"),
        (DUE + timedelta(hours=2), "overdue by 2 h 0 min", "echo-overdue"),
        (DUE + timedelta(days=1, hours=3), "overdue by 1 d 3 h", "echo-overdue"),
    ],
)
def test_the_queue_badge(now: datetime, text: str, css: str) -> None:
    badge = staff_response_badge(Dispute(staff_due_at=DUE), now)
    assert f">{text}</span>" in badge
    assert css in badge


def test_the_badge_of_a_dispute_that_does_not_wait() -> None:
    assert ">—</span>" in staff_response_badge(Dispute(staff_due_at=None), DUE)
