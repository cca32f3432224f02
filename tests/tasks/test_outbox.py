"""Notifications are tasks written in the transaction of the change that causes them: a rolled-back
change leaves no task and sends nothing, a committed one has its task, which the real worker
(`db_worker`) delivers. Real commits and rollbacks (transactional tests), on PostgreSQL in
`make test` and on SQLite in its second pass."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.core import mail
from django.db import transaction
from django.test import override_settings
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult
from rest_framework.test import APIClient

from background.models import MailBatchItem
from disputes import services
from disputes.models import Message
from tests.conftest import bearer
from tests.factories import make_dispute
from tests.tasks.helpers import FLUSH, SEND, free_port, paths, queued, sent_to

pytestmark = pytest.mark.django_db(transaction=True)


class Boom(Exception):
    pass


def test_a_rolled_back_post_queues_nothing_and_sends_nothing(
    run_tasks: Callable[[], None],
) -> None:
    dispute = make_dispute()
    run_tasks()
    mail.outbox.clear()
    before = DBTaskResult.objects.count()
    with pytest.raises(Boom), transaction.atomic():
        services.message_post(actor=dispute.seller, dispute_id=dispute.pk, body="Never sent.")
        assert paths(queued()) == [FLUSH]  # written inside the transaction...
        raise Boom
    assert DBTaskResult.objects.count() == before  # ...and gone with it
    assert not Message.objects.filter(body="Never sent.").exists()
    assert not MailBatchItem.objects.exists()
    run_tasks()
    assert mail.outbox == []


def test_a_rolled_back_decision_queues_nothing(staff: Any, run_tasks: Callable[[], None]) -> None:
    dispute = make_dispute(staff=staff)
    run_tasks()
    mail.outbox.clear()
    with pytest.raises(Boom), transaction.atomic():
        services.dispute_close(actor=staff, dispute_id=dispute.pk, resolution="Refund in full.")
        raise Boom
    assert queued() == []
    run_tasks()
    assert mail.outbox == []


def test_a_committed_post_is_queued_then_sent_by_the_worker(
    run_tasks: Callable[[], None],
) -> None:
    dispute = make_dispute()
    run_tasks()
    mail.outbox.clear()
    services.message_post(actor=dispute.seller, dispute_id=dispute.pk, body="Shipped on Monday.")
    # Committed: the task is in the queue, and nothing was sent while the service ran.
    assert paths(queued()) == [FLUSH]
    assert mail.outbox == []
    run_tasks()
    assert queued() == []
    assert [(m.to, m.subject, m.body) for m in mail.outbox] == [
        (
            [dispute.buyer.email],
            f"New message on dispute #{dispute.pk}",
            f"{dispute.seller.username} wrote:\n\nShipped on Monday.",
        )
    ]
    finished = DBTaskResult.objects.filter(task_path__in=[FLUSH, SEND]).order_by("enqueued_at")
    assert [(row.task_path, row.status) for row in finished][-2:] == [
        (FLUSH, TaskResultStatus.SUCCESSFUL),
        (SEND, TaskResultStatus.SUCCESSFUL),
    ]


def test_an_opening_through_the_api_answers_before_any_mail(
    order: Any, run_tasks: Callable[[], None]
) -> None:
    client = APIClient()
    client.credentials(**bearer(order.buyer))
    response = client.post(
        "/api/disputes",
        {"orderId": order.pk, "reason": "The parcel arrived empty, nothing inside."},
        format="json",
    )
    assert response.status_code == 201
    assert mail.outbox == []
    assert paths(queued()) == [SEND]
    run_tasks()
    assert [m.to for m in mail.outbox] == [[order.seller.email]]
    assert sent_to(order.buyer.email) == []


@pytest.fixture
def stalling_relay() -> Iterator[int]:
    """An SMTP relay on loopback that accepts connections and never says a word."""
    server = socket.socket()
    server.bind(("127.0.0.1", free_port()))
    server.listen(16)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = server.accept()
                held.append(conn)
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield int(server.getsockname()[1])
    finally:
        stop.set()
        thread.join(timeout=5)
        for conn in held:
            conn.close()
        server.close()


def test_a_post_never_waits_on_a_stalled_relay(stalling_relay: int) -> None:
    dispute = make_dispute()
    client = APIClient()
    client.credentials(**bearer(dispute.seller))
    with override_settings(
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=stalling_relay,
        EMAIL_TIMEOUT=10,
    ):
        started = time.monotonic()
        response = client.post(
            f"/api/disputes/{dispute.pk}/messages", {"message": "Tracking: 1Z999"}, format="json"
        )
        elapsed = time.monotonic() - started
    assert response.status_code == 201
    # The relay would hold an SMTP conversation for EMAIL_TIMEOUT (10 s); the post never talks
    # to it: the mail is a task for the worker.
    assert elapsed < 3, elapsed
    assert paths(queued()) == [SEND, FLUSH]
