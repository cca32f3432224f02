"""An SMTP failure is retried later by the task itself (django-tasks-db has no retry of its own):
exponential backoff with jitter, bounded attempts, then the task fails with its traceback."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta

import pytest
from django.conf import LazySettings
from django.core import mail
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from background.queue import retry_delay
from disputes import services
from tests.factories import make_dispute
from tests.tasks.helpers import SEND, free_port, make_due, queued

pytestmark = pytest.mark.django_db


def refuse(settings: LazySettings) -> None:
    """From now on a real SMTP backend, pointed at a loopback port nobody listens on."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = free_port()
    settings.EMAIL_TIMEOUT = 2


def _decide(run_tasks: Callable[[], None]) -> tuple[str, str]:
    dispute = make_dispute()
    run_tasks()
    mail.outbox.clear()
    services.dispute_withdraw(actor=dispute.buyer, dispute_id=dispute.pk)
    return dispute.seller.email, f"Dispute #{dispute.pk} was withdrawn"


def test_a_refused_relay_is_retried_later_with_backoff_then_succeeds(
    settings: LazySettings, run_tasks: Callable[[], None]
) -> None:
    address, subject = _decide(run_tasks)
    refuse(settings)
    first = queued(SEND)[0]
    before = timezone.now()
    run_tasks()
    first.refresh_from_db()
    # The failed attempt ends cleanly and names its retry; nothing was sent.
    assert first.status == TaskResultStatus.SUCCESSFUL
    assert first.return_value["sent"] is False
    assert mail.outbox == []
    (retry,) = queued(SEND)
    assert first.return_value["retry"] == str(retry.pk)
    assert retry.args_kwargs["kwargs"]["attempt"] == 2
    # Attempt 1's wait: between half and all of the base (30 s), never at once.
    wait = retry.run_after - before
    assert timedelta(seconds=15) <= wait <= timedelta(seconds=30) + (timezone.now() - before)
    run_tasks()  # not due yet: the worker leaves it alone
    assert queued(SEND) == [retry]
    # The relay is back, and the retry's time has come.
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    make_due([retry])
    run_tasks()
    assert [(m.to, m.subject) for m in mail.outbox] == [([address], subject)]
    assert queued() == []


def test_a_relay_that_stays_down_fails_the_task_after_the_last_attempt(
    settings: LazySettings, run_tasks: Callable[[], None]
) -> None:
    settings.ECHO_MAIL_MAX_ATTEMPTS = 3
    settings.ECHO_MAIL_RETRY_BASE_SECONDS = 0.05
    _, subject = _decide(run_tasks)
    refuse(settings)
    deadline = time.monotonic() + 10
    while queued() and time.monotonic() < deadline:
        run_tasks()
        time.sleep(0.05)
    attempts = DBTaskResult.objects.filter(
        task_path=SEND, args_kwargs__kwargs__subject=subject
    ).order_by("enqueued_at")
    assert [(row.args_kwargs["kwargs"].get("attempt", 1), row.status) for row in attempts] == [
        (1, TaskResultStatus.SUCCESSFUL),
        (2, TaskResultStatus.SUCCESSFUL),
        (3, TaskResultStatus.FAILED),
    ]
    assert attempts[2].exception_class_path == "builtins.ConnectionRefusedError"
    assert queued() == []
    assert mail.outbox == []


@pytest.mark.parametrize(
    ("attempt", "ceiling"), [(1, 30), (2, 60), (3, 120), (7, 1920), (8, 3600), (20, 3600)]
)
def test_backoff_doubles_up_to_the_cap_with_jitter_in_the_upper_half(
    attempt: int, ceiling: int
) -> None:
    delays = [retry_delay(attempt, base=30, cap=3600).total_seconds() for _ in range(200)]
    assert all(ceiling / 2 <= delay <= ceiling for delay in delays)
    assert len(set(delays)) > 100  # jittered, not one fixed value
