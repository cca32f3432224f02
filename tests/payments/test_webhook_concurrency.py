"""Simultaneous deliveries on PostgreSQL, with real threads and real transactions."""

from __future__ import annotations

import json
import threading
from typing import Any

import pytest
from django.db import connection
from django.test import Client

from disputes.models import Dispute, DisputeEvent, DisputeKind, PaymentEvent
from tests.factories import make_dispute, make_order
from tests.payments.helpers import T0, event_doc, post_raw

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.concurrency]

THREADS = 10


def deliver_at_once(bodies: list[bytes]) -> list[Any]:
    """POST every body from its own thread, all released by one barrier."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks")
    barrier = threading.Barrier(len(bodies))
    responses: list[Any] = [None] * len(bodies)
    failures: list[BaseException] = []

    def deliver(index: int, body: bytes) -> None:
        from django.db import connection as thread_connection

        try:
            client = Client()
            barrier.wait(timeout=30)
            responses[index] = post_raw(body, client=client)
        except BaseException as exc:
            failures.append(exc)
        finally:
            thread_connection.close()

    threads = [threading.Thread(target=deliver, args=(i, b)) for i, b in enumerate(bodies)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not failures, failures
    return responses


def test_parallel_duplicate_deliveries_have_one_effect() -> None:
    order = make_order()
    body = json.dumps(event_doc(order)).encode()
    responses = deliver_at_once([body] * THREADS)
    assert [r.status_code for r in responses] == [200] * THREADS, [r.content for r in responses]
    replayed = sorted(r.json()["replayed"] for r in responses)
    assert replayed == [False] + [True] * (THREADS - 1)
    assert Dispute.objects.filter(kind=DisputeKind.CHARGEBACK).count() == 1
    assert PaymentEvent.objects.count() == 1
    assert PaymentEvent.objects.get().result == "applied"
    assert DisputeEvent.objects.filter(type="opened").count() == 1
    assert {r.json()["disputeId"] for r in responses} == {Dispute.objects.get().pk}


def test_parallel_events_of_one_dispute_end_on_the_newest() -> None:
    """Any arrival order gives the same result: the newest event's status."""
    order = make_order()
    party = make_dispute(order=order)
    statuses = ["needs_response", "under_review"] * (THREADS // 2)
    statuses[-1] = "lost"
    bodies = [
        json.dumps(
            event_doc(
                order,
                event_id=f"evt_{i}",
                type="dispute.closed" if i == THREADS - 1 else "dispute.updated",
                created=T0 + i,
                status=status,
                amount=f"{50 + i}.00",
            )
        ).encode()
        for i, status in enumerate(statuses)
    ]
    responses = deliver_at_once(bodies)
    assert [r.status_code for r in responses] == [200] * THREADS, [r.content for r in responses]
    dispute = Dispute.objects.get(kind=DisputeKind.CHARGEBACK)
    assert dispute.status == "lost" and str(dispute.amount) == f"{50 + THREADS - 1}.00"
    assert PaymentEvent.objects.count() == THREADS
    assert PaymentEvent.objects.filter(result="applied", event_id=f"evt_{THREADS - 1}").exists()
    party.refresh_from_db()
    assert party.status == "closed"
    assert Dispute.objects.count() == 2
