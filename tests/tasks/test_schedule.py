"""Periodic work (expiry now; reminders and webhook retries later) through one mechanism: a
`run_periodic` task that claims its slot with a conditional UPDATE and queues its next run.
Several hosts each starting the schedule still run a job once per slot."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from background.models import PeriodicJob
from background.schedule import next_slot, run_periodic
from disputes.models import DisputeEvent, DisputeStatus, EventType
from tests.factories import make_dispute, make_overdue
from tests.tasks.helpers import EXPIRE, PERIODIC, make_due, queued

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _expiry_alone(settings: Any) -> None:
    """The mechanism, shown with the expiry job alone; the other periodic jobs (the webhook sweep)
    are tested with their own work."""
    settings.ECHO_PERIODIC_JOBS = {
        "expire_disputes": settings.ECHO_PERIODIC_JOBS["expire_disputes"]
    }


def _schedule() -> str:
    out = StringIO()
    call_command("schedule_periodic", stdout=out)
    return out.getvalue()


def test_two_hosts_starting_the_schedule_expire_once(run_tasks: Callable[[], None]) -> None:
    dispute = make_overdue(make_dispute())
    run_tasks()
    mail.outbox.clear()
    # Two hosts start their workers at once: each queues a run for the same slot.
    assert _schedule() == "Scheduled 1 periodic job(s): expire_disputes.\n"
    assert _schedule() == "Scheduled 1 periodic job(s): expire_disputes.\n"
    assert len(queued(PERIODIC)) == 2
    slot = PeriodicJob.objects.get(name="expire_disputes").next_run_at
    run_tasks()
    dispute.refresh_from_db()
    assert dispute.status == DisputeStatus.LOST
    assert DisputeEvent.objects.filter(dispute=dispute, type=EventType.EXPIRED).count() == 1
    assert [m.subject for m in mail.outbox] == [f"Dispute #{dispute.pk} expired"]
    # One chain goes on: a single run queued for the next slot, five minutes on.
    (following,) = queued(PERIODIC)
    row = PeriodicJob.objects.get(name="expire_disputes")
    assert following.args_kwargs["args"] == ["expire_disputes", row.next_run_at.isoformat()]
    assert following.run_after == row.next_run_at
    assert row.next_run_at == slot + timedelta(seconds=300)


def test_the_next_slot_runs_the_job_again(run_tasks: Callable[[], None]) -> None:
    _schedule()
    run_tasks()
    assert queued(EXPIRE) == []
    later = make_overdue(make_dispute())
    make_due(queued(PERIODIC))
    run_tasks()
    later.refresh_from_db()
    assert later.status == DisputeStatus.LOST
    assert len(queued(PERIODIC)) == 1


def test_a_stale_run_loses_its_claim() -> None:
    _schedule()
    row = PeriodicJob.objects.get()
    stale = (row.next_run_at - timedelta(seconds=300)).isoformat()
    assert run_periodic.call("expire_disputes", stale) == {
        "ran": False,
        "reason": "slot already taken",
    }
    assert run_periodic.call("no_such_job", stale) == {"ran": False, "reason": "unknown job"}


def test_after_downtime_the_next_slot_is_one_interval_from_now() -> None:
    now = timezone.now()
    every = timedelta(minutes=5)
    assert next_slot(now - timedelta(minutes=1), every, now) == now + timedelta(minutes=4)
    assert next_slot(now - timedelta(hours=3), every, now) == now + every


def test_the_expiry_command_still_runs_by_hand(run_tasks: Callable[[], None]) -> None:
    dispute = make_overdue(make_dispute())
    out = StringIO()
    call_command("expire_disputes", stdout=out)
    assert out.getvalue() == "Expired 1 dispute(s).\n"
    dispute.refresh_from_db()
    assert dispute.status == DisputeStatus.LOST
