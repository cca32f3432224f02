"""Reminders run on the one periodic mechanism (background/schedule.py): a job in
`ECHO_PERIODIC_JOBS` whose task calls the service."""

from __future__ import annotations

from collections.abc import Callable
from io import StringIO

import pytest
from django.conf import settings
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from background.models import PeriodicJob
from tests.factories import make_dispute
from tests.reminders.helpers import HOUR, due_in, reminded
from tests.tasks.helpers import PERIODIC, queued

pytestmark = pytest.mark.django_db


def test_the_periodic_job_entry() -> None:
    assert settings.ECHO_PERIODIC_JOBS["send_reminders"] == {
        "task": "disputes.tasks.send_reminders",
        "every_seconds": 300,
    }


def test_the_schedule_runs_the_reminders(run_tasks: Callable[[], None]) -> None:
    dispute = due_in(make_dispute(), 30 * HOUR, now=timezone.now())
    run_tasks()
    mail.outbox.clear()
    out = StringIO()

    call_command("schedule_periodic", stdout=out)
    run_tasks()

    assert "send_reminders" in out.getvalue()
    assert reminded(dispute) == ["72h"]
    assert [m.subject for m in mail.outbox] == [f"Dispute #{dispute.pk}: 72 hours left to respond"]
    row = PeriodicJob.objects.get(name="send_reminders")
    # The chain goes on: one run of the job queued for its next slot.
    (following,) = [t for t in queued(PERIODIC) if t.args_kwargs["args"][0] == "send_reminders"]
    assert following.args_kwargs["args"] == ["send_reminders", row.next_run_at.isoformat()]
