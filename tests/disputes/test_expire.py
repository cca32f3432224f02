"""Deadline expiry (docs/design.md §4): overdue needs_response disputes become lost/expired,
once, by a command that is safe to repeat."""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.utils import timezone

from disputes import services
from disputes.models import Dispute, DisputeEvent, EventType
from tests.factories import make_dispute, make_overdue, new_staff

pytestmark = pytest.mark.django_db


def _run_command(*args: str) -> str:
    out = io.StringIO()
    call_command("expire_disputes", *args, stdout=out)
    return out.getvalue().strip()


def test_command_expires_overdue_disputes_and_is_idempotent() -> None:
    staff = new_staff()
    overdue = [make_overdue(make_dispute(staff=staff)) for _ in range(7)]
    assert _run_command("--batch-size", "3") == "Expired 7 dispute(s)."
    assert _run_command() == "Expired 0 dispute(s)."
    for dispute in overdue:
        dispute.refresh_from_db()
        assert (dispute.status, dispute.outcome) == ("lost", "expired")
        assert dispute.refund_amount == dispute.amount
    assert DisputeEvent.objects.filter(type=EventType.EXPIRED).count() == 7


def test_expiry_leaves_in_time_under_review_and_decided_disputes_alone() -> None:
    staff = new_staff()
    in_time = make_dispute(staff=staff)
    reviewed = make_overdue(make_dispute(state="under_review", staff=staff))
    decided = make_overdue(make_dispute(state="won", staff=staff))
    untouched = {
        d.pk: Dispute.objects.filter(pk=d.pk).values().get() for d in (in_time, reviewed, decided)
    }
    assert services.disputes_expire() == 0
    for pk, row in untouched.items():
        assert Dispute.objects.filter(pk=pk).values().get() == row


def test_deadline_is_strict_at_the_moment_of_the_run() -> None:
    dispute = make_dispute()
    assert services.disputes_expire(now=dispute.respond_by) == 0
    assert services.disputes_expire(now=dispute.respond_by + timedelta(microseconds=1)) == 1


def test_responded_dispute_does_not_expire() -> None:
    dispute = make_overdue(make_dispute())
    services.message_post(actor=dispute.seller, dispute_id=dispute.pk, body="Sorry, I was away.")
    assert services.disputes_expire() == 0
    dispute.refresh_from_db()
    assert dispute.status == "under_review"


def test_expired_event_records_the_deadline_and_no_actor() -> None:
    dispute = make_overdue(make_dispute(), hours=5)
    services.disputes_expire()
    event = DisputeEvent.objects.get(dispute=dispute, type=EventType.EXPIRED)
    assert event.actor_id is None
    assert (event.from_status, event.to_status) == ("needs_response", "lost")
    assert event.payload["respond_by"] == dispute.respond_by.isoformat()
    assert event.at > dispute.respond_by
    dispute.refresh_from_db()
    assert dispute.closed_at is not None and dispute.closed_at <= timezone.now()


def test_expired_dispute_frees_the_order_for_a_new_one() -> None:
    dispute = make_overdue(make_dispute())
    services.disputes_expire()
    again = services.dispute_open(
        actor=dispute.buyer, order_id=dispute.order_id, reason="Still nothing arrived."
    )
    assert again.status == "needs_response"


def test_command_mails_both_parties_once(
    django_capture_on_commit_callbacks: Any, run_tasks: Any
) -> None:
    dispute = make_overdue(make_dispute())
    run_tasks()  # the opening's mail leaves first
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        _run_command()
    with django_capture_on_commit_callbacks(execute=True):
        _run_command()
    run_tasks()
    assert [set(m.to) for m in mail.outbox] == [{dispute.buyer.email, dispute.seller.email}]


@pytest.mark.parametrize("size", ["0", "-5", "10001"])
def test_command_refuses_a_batch_size_out_of_range(size: str) -> None:
    overdue = make_overdue(make_dispute())
    with pytest.raises(CommandError, match="batch-size"):
        _run_command("--batch-size", size)
    overdue.refresh_from_db()
    assert overdue.status == "needs_response"
