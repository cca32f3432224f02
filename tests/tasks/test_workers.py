"""Several workers share one queue and never run a task twice; the periodic schedule runs a job
once per slot however many runners reach for it. Real threads and transactions on PostgreSQL,
where django-tasks-db claims a task with SELECT ... FOR UPDATE SKIP LOCKED."""

from __future__ import annotations

from collections import Counter

import pytest
from django.core import mail
from django.db import connection
from django_tasks import TaskResultStatus
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from background.mail import send_email
from background.models import PeriodicJob
from background.schedule import ensure_schedule, run_periodic
from disputes.models import Dispute, DisputeStatus
from tests.factories import make_dispute, make_overdue
from tests.tasks.helpers import EXPIRE, PERIODIC, queued, sent_to
from tests.threads import in_threads

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.concurrency]


@pytest.fixture(autouse=True)
def _postgresql_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("claims with SKIP LOCKED across connections: PostgreSQL (make test)")


def worker(i: int) -> None:
    # db_worker's own loop, in batch mode (the command would also install signal handlers,
    # which only the main thread may do).
    Worker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id=f"worker-{i}",
        excluded_queue_names=[],
    ).run()


def test_two_workers_never_deliver_one_task_twice() -> None:
    subjects = [f"Notification {i}" for i in range(200)]
    for subject in subjects:
        send_email.enqueue(addresses=["party@example.com"], subject=subject, body="Hello.")
    assert in_threads(2, worker) == [None, None]
    assert sorted(m.subject for m in mail.outbox) == sorted(subjects)
    rows = DBTaskResult.objects.all()
    assert {row.status for row in rows} == {TaskResultStatus.SUCCESSFUL}
    assert all(len(row.worker_ids) == 1 for row in rows)
    # Both took part (200 tasks, released together): the queue was shared, not serialised.
    assert set(Counter(row.worker_ids[0] for row in rows)) == {"worker-0", "worker-1"}


def test_two_runners_of_one_slot_expire_once() -> None:
    dispute = make_overdue(make_dispute())
    (name,) = ensure_schedule()
    due = PeriodicJob.objects.get(name=name).next_run_at
    results = in_threads(2, lambda i: run_periodic.call(name, due.isoformat()))
    assert sorted(result["ran"] for result in results) == [False, True]
    # The winner queued the job once and its own next run once.
    assert [row.task_path for row in queued(EXPIRE)] == [EXPIRE]
    following = PeriodicJob.objects.get(name=name).next_run_at
    assert following > due
    assert [row.args_kwargs["args"] for row in queued(PERIODIC)] == [
        [name, due.isoformat()],  # the start-up's own, now stale: it will lose its claim
        [name, following.isoformat()],
    ]
    mail.outbox.clear()
    assert in_threads(2, worker) == [None, None]
    dispute.refresh_from_db()
    assert dispute.status == DisputeStatus.LOST
    expired = [m for m in mail.outbox if m.subject == f"Dispute #{dispute.pk} expired"]
    assert [sorted(m.to) for m in expired] == [sorted([dispute.buyer.email, dispute.seller.email])]
    assert sent_to(dispute.buyer.email) == expired
    assert Dispute.objects.filter(outcome="expired").count() == 1
