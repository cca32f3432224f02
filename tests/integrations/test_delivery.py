"""Webhook delivery to a real receiver on 127.0.0.1 (ECHO_WEBHOOKS_ALLOW_PRIVATE_HOSTS on):
signed bodies, retries after 500s, timeouts and redirects, order per dispute, nothing internal,
the give-up after the retry window and the disabled endpoint, resends, the sweep of lost tasks,
and two workers on PostgreSQL that never deliver one event twice."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection, transaction
from django.utils import timezone
from django_tasks_db.management.commands.db_worker import Worker

from accounts.models import User
from background.schedule import ensure_schedule
from disputes.models import Visibility
from integrations import delivery as webhook_delivery
from integrations import encoding, services
from integrations.models import DeliveryStatus, OutboundEvent, WebhookDelivery
from integrations.tasks import sweep_webhooks
from tests.factories import make_dispute, make_order
from tests.integrations.helpers import (
    DELIVER,
    deliveries,
    endpoint_on,
    post,
    time_passes,
    window_ends,
)
from tests.integrations.receiver import Receiver
from tests.tasks.helpers import queued
from tests.threads import in_threads

pytestmark = pytest.mark.usefixtures("private_hosts")


@pytest.fixture
def dispute(buyer: User, seller: User) -> Any:
    return make_dispute(order=make_order(buyer=buyer, seller=seller))


def test_an_event_is_posted_signed_with_the_endpoints_secret(
    db: Any, receiver: Receiver, staff: User, dispute: Any, run_tasks: Callable[[], None]
) -> None:
    endpoint = endpoint_on(receiver, staff)
    event = post(dispute, "Where is my parcel?")
    assert event is not None and event.type == "message.created"
    run_tasks()
    (request,) = receiver.received
    assert request.path == "/hooks"
    assert request.signed
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["X-Echo-Event-Id"] == str(event.pk)
    assert request.headers["Host"] == f"127.0.0.1:{receiver.port}"
    # The exact bytes of the feed's body.
    assert request.body == encoding.dumps(event.body).encode()
    assert request.json["id"] == str(event.pk)
    assert request.json["type"] == "message.created"
    (row,) = deliveries(endpoint)
    assert (row.status, row.attempts, row.last_response_code, row.last_error) == (
        DeliveryStatus.DELIVERED,
        1,
        200,
        "",
    )
    assert row.delivered_at is not None and row.next_attempt_at is None


def test_a_wrong_secret_does_not_verify(
    db: Any, receiver: Receiver, staff: User, dispute: Any, run_tasks: Callable[[], None]
) -> None:
    endpoint_on(receiver, staff)
    receiver.secret = "whsec_" + "0" * 64
    post(dispute, "Where is my parcel?")
    run_tasks()
    assert [request.signed for request in receiver.received] == [False]


def test_internal_notes_never_reach_the_receiver(
    db: Any, receiver: Receiver, staff: User, dispute: Any, run_tasks: Callable[[], None]
) -> None:
    endpoint_on(receiver, staff)
    post(dispute, "Internal: the courier lost it.", actor=staff, visibility=Visibility.INTERNAL)
    post(dispute, "Any news?")
    run_tasks()
    assert [request.json["type"] for request in receiver.received] == ["message.created"]
    assert all(b"courier" not in request.body for request in receiver.received)
    assert receiver.received[0].json["data"]["message"]["message"] == "Any news?"


def test_only_the_types_an_endpoint_wants(
    db: Any, receiver: Receiver, staff: User, dispute: Any, run_tasks: Callable[[], None]
) -> None:
    endpoint = endpoint_on(receiver, staff, event_types=["dispute.closed"])
    post(dispute, "Any news?")
    run_tasks()
    assert receiver.received == []
    assert deliveries(endpoint) == []


def test_a_500_is_retried_with_backoff_until_delivered(
    db: Any, receiver: Receiver, staff: User, dispute: Any, run_tasks: Callable[[], None]
) -> None:
    endpoint = endpoint_on(receiver, staff)
    receiver.answers.extend([500, 503])
    post(dispute, "Any news?")
    before = timezone.now()
    run_tasks()
    (row,) = deliveries(endpoint)
    assert (row.status, row.attempts, row.last_response_code, row.last_error) == (
        DeliveryStatus.PENDING,
        1,
        500,
        "Answered 500.",
    )
    # Attempt 1 waits between half and all of the base (60 s), jitter included.
    assert row.next_attempt_at is not None
    assert (
        before + timedelta(seconds=30)
        <= row.next_attempt_at
        <= timezone.now() + timedelta(seconds=60)
    )
    (task,) = queued(DELIVER)
    assert task.run_after == row.next_attempt_at
    run_tasks()  # not due yet: nothing is sent
    assert len(receiver.received) == 1
    time_passes(row)
    run_tasks()
    row.refresh_from_db()
    assert (row.status, row.attempts, row.last_response_code) == (DeliveryStatus.PENDING, 2, 503)
    # Attempt 2 waits between 60 and 120 s.
    assert row.next_attempt_at >= timezone.now() + timedelta(seconds=55)
    time_passes(row)
    run_tasks()
    row.refresh_from_db()
    assert (row.status, row.attempts, row.last_response_code) == (DeliveryStatus.DELIVERED, 3, 200)
    assert [r.answered for r in receiver.received] == [500, 503, 200]
    # The same event each time, signed afresh.
    assert len({r.event_id for r in receiver.received}) == 1
    assert all(r.signed for r in receiver.received)


def test_a_receiver_that_stalls_past_the_timeout_is_a_failed_attempt(
    db: Any,
    receiver: Receiver,
    staff: User,
    dispute: Any,
    run_tasks: Callable[[], None],
    settings: Any,
) -> None:
    settings.ECHO_WEBHOOKS_TIMEOUT_SECONDS = 0.5
    receiver.stall_seconds = 1.5
    endpoint = endpoint_on(receiver, staff)
    receiver.answers.append("stall")
    post(dispute, "Any news?")
    run_tasks()
    (row,) = deliveries(endpoint)
    assert (row.status, row.attempts, row.last_response_code, row.last_error) == (
        DeliveryStatus.PENDING,
        1,
        None,
        "No answer within 0.5 s.",
    )
    time_passes(row)
    run_tasks()
    row.refresh_from_db()
    assert (row.status, row.attempts) == (DeliveryStatus.DELIVERED, 2)


def test_a_redirect_is_a_failure_and_never_followed(
    db: Any,
    receiver: Receiver,
    second_receiver: Receiver,
    staff: User,
    dispute: Any,
    run_tasks: Callable[[], None],
) -> None:
    endpoint = endpoint_on(receiver, staff)
    receiver.answers.append(("redirect", second_receiver.url))
    post(dispute, "Any news?")
    run_tasks()
    (row,) = deliveries(endpoint)
    assert (row.status, row.last_response_code, row.last_error) == (
        DeliveryStatus.PENDING,
        302,
        "Answered 302; redirects are not followed.",
    )
    assert second_receiver.received == []


def test_one_disputes_events_arrive_in_order_while_others_go_on(
    db: Any,
    receiver: Receiver,
    staff: User,
    buyer: User,
    seller: User,
    run_tasks: Callable[[], None],
) -> None:
    first = make_dispute(order=make_order(buyer=buyer, seller=seller))
    other = make_dispute(order=make_order(buyer=buyer, seller=seller))
    endpoint = endpoint_on(receiver, staff)
    receiver.answers.append(500)  # the first event of `first` fails once
    a1 = post(first, "First of first.")
    a2 = post(first, "Second of first.")
    b1 = post(other, "First of other.")
    assert a1 and a2 and b1
    run_tasks()
    rows = {row.event_id: row for row in deliveries(endpoint)}
    # a2 waits behind a1 (not tried at all); the other dispute is not held up.
    assert receiver.event_ids() == [a1.pk, b1.pk]
    assert (rows[a1.pk].status, rows[a1.pk].attempts) == (DeliveryStatus.PENDING, 1)
    assert (rows[a2.pk].status, rows[a2.pk].attempts) == (DeliveryStatus.PENDING, 0)
    assert rows[b1.pk].status == DeliveryStatus.DELIVERED
    a3 = post(first, "Third of first.")
    assert a3 is not None
    run_tasks()
    assert receiver.event_ids() == [a1.pk, b1.pk]
    time_passes(rows[a1.pk])
    run_tasks()
    assert receiver.event_ids() == [a1.pk, b1.pk, a1.pk, a2.pk, a3.pk]
    assert {row.status for row in deliveries(endpoint)} == {DeliveryStatus.DELIVERED}


def test_after_the_retry_window_the_delivery_fails_and_the_next_goes(
    db: Any, receiver: Receiver, staff: User, dispute: Any, run_tasks: Callable[[], None]
) -> None:
    endpoint = endpoint_on(receiver, staff)
    receiver.answers.extend([500, 500])
    first = post(dispute, "First.")
    second = post(dispute, "Second.")
    assert first and second
    run_tasks()
    head, following = deliveries(endpoint)
    window_ends(head)
    time_passes(head)
    run_tasks()
    head.refresh_from_db()
    following.refresh_from_db()
    assert (head.status, head.attempts, head.next_attempt_at) == (DeliveryStatus.FAILED, 2, None)
    assert following.status == DeliveryStatus.DELIVERED
    assert receiver.event_ids() == [first.pk, first.pk, second.pk]
    endpoint.refresh_from_db()
    # The delivered one reset the count.
    assert (endpoint.active, endpoint.consecutive_failures) == (True, 0)


def test_the_endpoint_is_disabled_after_repeated_failed_deliveries(
    db: Any,
    receiver: Receiver,
    staff: User,
    buyer: User,
    seller: User,
    run_tasks: Callable[[], None],
    settings: Any,
) -> None:
    settings.ECHO_WEBHOOKS_DISABLE_AFTER_FAILURES = 2
    receiver.default = 500
    disputes = [make_dispute(order=make_order(buyer=buyer, seller=seller)) for _ in range(2)]
    endpoint = endpoint_on(receiver, staff)
    for dispute in disputes:
        post(dispute, "Anyone?")
    run_tasks()
    first, second = deliveries(endpoint)
    window_ends(first)
    time_passes(first)
    run_tasks()
    endpoint.refresh_from_db()
    assert (endpoint.active, endpoint.consecutive_failures) == (True, 1)
    window_ends(second)
    time_passes(second)
    run_tasks()
    endpoint.refresh_from_db()
    assert (endpoint.active, endpoint.consecutive_failures) == (False, 2)
    assert endpoint.disabled_at is not None
    assert {row.status for row in deliveries(endpoint)} == {DeliveryStatus.FAILED}
    sent = len(receiver.received)
    post(disputes[0], "Still there?")
    run_tasks()
    # A disabled endpoint gets no new deliveries and no requests.
    assert len(deliveries(endpoint)) == 2
    assert len(receiver.received) == sent == 4


def test_a_pending_delivery_of_an_endpoint_disabled_meanwhile_fails_unsent(
    db: Any, receiver: Receiver, staff: User, dispute: Any, run_tasks: Callable[[], None]
) -> None:
    endpoint = endpoint_on(receiver, staff)
    post(dispute, "Anyone?")
    services.endpoint_update(actor=staff, endpoint_id=endpoint.pk, active=False)
    run_tasks()
    (row,) = deliveries(endpoint)
    assert (row.status, row.attempts, row.last_error) == (
        DeliveryStatus.FAILED,
        0,
        "Not sent: the endpoint is disabled.",
    )
    assert receiver.received == []


def test_resend_sends_the_same_event_again(
    db: Any, receiver: Receiver, staff: User, dispute: Any, run_tasks: Callable[[], None]
) -> None:
    endpoint = endpoint_on(receiver, staff)
    event = post(dispute, "Anyone?")
    assert event is not None
    run_tasks()
    (row,) = deliveries(endpoint)
    services.delivery_resend(actor=staff, delivery_id=row.pk)
    row.refresh_from_db()
    assert (row.status, row.attempts, row.delivered_at) == (DeliveryStatus.PENDING, 0, None)
    run_tasks()
    row.refresh_from_db()
    assert (row.status, row.attempts) == (DeliveryStatus.DELIVERED, 1)
    assert receiver.event_ids() == [event.pk, event.pk]


def test_a_rolled_back_change_delivers_nothing(
    db: Any, receiver: Receiver, staff: User, dispute: Any, run_tasks: Callable[[], None]
) -> None:
    endpoint = endpoint_on(receiver, staff)
    with pytest.raises(RuntimeError), transaction.atomic():
        post(dispute, "Never sent.")
        raise RuntimeError("the change fails after the event was written")
    assert deliveries(endpoint) == []
    assert queued(DELIVER) == []
    run_tasks()
    assert receiver.received == []


def test_the_sweep_queues_a_delivery_whose_task_was_lost(
    db: Any, receiver: Receiver, staff: User, dispute: Any, run_tasks: Callable[[], None]
) -> None:
    endpoint = endpoint_on(receiver, staff)
    post(dispute, "Anyone?")
    (row,) = deliveries(endpoint)
    # The worker that took its task died: the task is gone, the row still pending and overdue.
    for task in queued(DELIVER):
        task.delete()
    WebhookDelivery.objects.filter(pk=row.pk).update(
        next_attempt_at=timezone.now() - timedelta(minutes=10)
    )
    assert sweep_webhooks.call() == 1
    assert sweep_webhooks.call() == 0  # queued again once, not once per sweep
    run_tasks()
    row.refresh_from_db()
    assert row.status == DeliveryStatus.DELIVERED
    assert len(receiver.received) == 1


def test_the_sweep_runs_on_the_periodic_schedule(
    db: Any, receiver: Receiver, staff: User, dispute: Any, run_tasks: Callable[[], None]
) -> None:
    endpoint = endpoint_on(receiver, staff)
    post(dispute, "Anyone?")
    for task in queued(DELIVER):
        task.delete()
    WebhookDelivery.objects.filter(endpoint=endpoint).update(
        next_attempt_at=timezone.now() - timedelta(minutes=10)
    )
    assert "sweep_webhooks" in ensure_schedule()
    run_tasks()
    assert [row.status for row in deliveries(endpoint)] == [DeliveryStatus.DELIVERED]
    assert len(receiver.received) == 1


def test_the_address_is_checked_again_at_delivery_time(
    db: Any,
    receiver: Receiver,
    staff: User,
    dispute: Any,
    run_tasks: Callable[[], None],
    settings: Any,
) -> None:
    endpoint = endpoint_on(receiver, staff)
    post(dispute, "Anyone?")
    settings.ECHO_WEBHOOKS_ALLOW_PRIVATE_HOSTS = False
    run_tasks()
    (row,) = deliveries(endpoint)
    assert (row.status, row.attempts, row.last_response_code, row.last_error) == (
        DeliveryStatus.PENDING,
        1,
        None,
        "Not sent: Webhooks are sent over https only.",
    )
    assert receiver.received == []


# Two workers on PostgreSQL ------------------------------------------------------------------


def _worker(i: int) -> None:
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


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
def test_two_workers_never_deliver_one_event_twice_nor_out_of_order(
    receiver: Receiver, settings: Any
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("row locks with SKIP LOCKED across connections: PostgreSQL (make test)")
    from tests.factories import StaffFactory, UserFactory

    buyer, seller = UserFactory.create(), UserFactory.create()
    staff = StaffFactory.create()
    disputes = [make_dispute(order=make_order(buyer=buyer, seller=seller)) for _ in range(4)]
    endpoint = endpoint_on(receiver, staff)
    # Every fifth request fails once, so retries and waiting lines are part of the race.
    receiver.answers.extend([500 if i % 5 == 0 else 200 for i in range(200)])
    for round_ in range(6):
        for dispute in disputes:
            post(dispute, f"Message {round_} on {dispute.pk}.")
    expected = list(
        OutboundEvent.objects.filter(deliveries__endpoint=endpoint).values_list("pk", flat=True)
    )
    assert len(expected) == 24
    for _ in range(20):
        assert in_threads(2, _worker) == [None, None]
        pending = [row for row in deliveries(endpoint) if row.status == DeliveryStatus.PENDING]
        if not pending:
            break
        time_passes(*pending)
    rows = deliveries(endpoint)
    assert {row.status for row in rows} == {DeliveryStatus.DELIVERED}
    delivered = [r.event_id for r in receiver.received if r.answered == 200]
    # Each event accepted exactly once...
    assert sorted(delivered) == sorted(expected)
    # ...and each dispute's events in event order, counting every attempt: no event was sent
    # while an older one of its dispute was still unsent.
    dispute_of = dict(OutboundEvent.objects.values_list("pk", "dispute_id"))
    for dispute in disputes:
        attempts = [e for e in receiver.event_ids() if dispute_of[e] == dispute.pk]
        assert attempts == sorted(attempts), attempts
    assert webhook_delivery.sweep() == 0
