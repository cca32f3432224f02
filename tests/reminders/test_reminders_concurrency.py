"""Two reminder runners at once on real PostgreSQL (threads, real transactions): SKIP LOCKED and
the recorded `reminded_*_at` must remind each dispute once."""

from __future__ import annotations

import io
import threading
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from disputes import services
from disputes.models import DisputeEvent, EventType
from tests.factories import make_dispute, new_staff
from tests.reminders.helpers import HOUR, due_in, reminded

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.concurrency,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL"),
]


def test_runners_at_once_remind_each_dispute_once() -> None:
    now = timezone.now()
    staff = new_staff()
    first = [due_in(make_dispute(staff=staff), 60 * HOUR, now=now) for _ in range(12)]
    last = [due_in(make_dispute(staff=staff), 12 * HOUR, now=now) for _ in range(12)]
    answered = due_in(make_dispute(state="under_review", staff=staff), 12 * HOUR, now=now)
    barrier = threading.Barrier(3)
    counts: list[Any] = [None] * 3

    def run(i: int) -> None:
        try:
            barrier.wait(timeout=30)
            if i == 0:
                out = io.StringIO()
                call_command("send_reminders", "--batch-size", "2", stdout=out)
                counts[i] = int(out.getvalue().split()[1])
            else:
                counts[i] = services.reminders_send(now=now, batch_size=2)
        except Exception as exc:
            counts[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(t.is_alive() for t in threads), "a runner hung"

    assert all(isinstance(count, int) for count in counts), counts
    assert sum(counts) == 24
    events = DisputeEvent.objects.filter(type=EventType.REMINDER_SENT)
    assert sorted(events.values_list("dispute_id", flat=True)) == sorted(d.pk for d in first + last)
    assert all(reminded(d) == ["72h"] for d in first)
    assert all(reminded(d) == ["24h"] for d in last)
    assert reminded(answered) == []
    assert services.reminders_send(now=now) == 0
