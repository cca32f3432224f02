"""Deadline reminders (docs/design.md §4, Reminders): the respondent of a party dispute is mailed
72 and 24 hours before `respond_by`, once each, only inside each reminder's window, never after a
response, never on a decided dispute or a chargeback."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from accounts.models import User
from disputes import services
from disputes.models import Dispute, DisputeEvent, DisputeKind, DisputeStatus, EventType
from tests.factories import make_dispute, make_order, new_staff, new_user
from tests.reminders.helpers import HOUR, SECOND, due_in, reminded

pytestmark = pytest.mark.django_db


@pytest.fixture
def now() -> Any:
    return timezone.now().replace(microsecond=0)


def remind_events(dispute: Dispute) -> list[dict[str, Any]]:
    return list(
        DisputeEvent.objects.filter(dispute=dispute, type=EventType.REMINDER_SENT)
        .order_by("at", "id")
        .values_list("payload", flat=True)
    )


@pytest.mark.parametrize(
    ("left", "expected"),
    [
        (72 * HOUR + SECOND, []),
        (72 * HOUR, ["72h"]),
        (72 * HOUR - SECOND, ["72h"]),
        (24 * HOUR + SECOND, ["72h"]),
        (24 * HOUR, ["24h"]),
        (24 * HOUR - SECOND, ["24h"]),
        (SECOND, ["24h"]),
        (timedelta(0), []),
        (-HOUR, []),
    ],
    ids=[
        "just-before-72h",
        "at-72h",
        "just-after-72h",
        "just-before-24h",
        "at-24h",
        "just-after-24h",
        "a-second-left",
        "at-the-deadline",
        "overdue",
    ],
)
def test_each_reminder_is_due_from_its_moment_until_the_next(
    now: Any, left: timedelta, expected: list[str]
) -> None:
    dispute = due_in(make_dispute(), left, now=now)

    assert services.reminders_send(now=now) == len(expected)

    assert reminded(dispute) == expected
    assert [event["reminder"] for event in remind_events(dispute)] == expected


def test_each_reminder_goes_out_once_across_repeated_runs(now: Any) -> None:
    dispute = due_in(make_dispute(), 72 * HOUR, now=now)

    assert services.reminders_send(now=now) == 1
    assert services.reminders_send(now=now) == 0
    assert services.reminders_send(now=now + 47 * HOUR) == 0
    assert services.reminders_send(now=now + 48 * HOUR) == 1
    assert services.reminders_send(now=now + 48 * HOUR) == 0
    assert services.reminders_send(now=now + 71 * HOUR) == 0

    assert reminded(dispute) == ["72h", "24h"]
    assert [event["reminder"] for event in remind_events(dispute)] == ["72h", "24h"]


def test_the_mail_goes_to_the_respondent_alone_with_the_deadline(
    now: Any, run_tasks: Callable[[], None]
) -> None:
    dispute = due_in(make_dispute(), 72 * HOUR - HOUR, now=now)
    run_tasks()
    mail.outbox.clear()

    services.reminders_send(now=now)
    run_tasks()

    (sent,) = mail.outbox
    assert sent.to == [dispute.seller.email]
    assert sent.subject == f"Dispute #{dispute.pk}: 72 hours left to respond"
    deadline = dispute.respond_by.strftime("%Y-%m-%d %H:%M")
    assert sent.body == (
        f"Dispute #{dispute.pk} on order #{dispute.order_id} is waiting for your response.\n\n"
        f"Please respond by {deadline} UTC (about 72 hours from now): post your side of the "
        "story in the dispute's thread. If no response arrives by then, the dispute is decided "
        "without it."
    )
    (event,) = DisputeEvent.objects.filter(dispute=dispute, type=EventType.REMINDER_SENT)
    assert event.actor is None
    assert event.payload == {
        "reminder": "72h",
        "respond_by": dispute.respond_by.isoformat(),
        "recipient_id": dispute.seller_id,
        "mailed": True,
    }


def test_a_dispute_the_seller_opened_reminds_the_buyer(
    now: Any, run_tasks: Callable[[], None]
) -> None:
    dispute = due_in(make_dispute(opener="seller"), 24 * HOUR, now=now)
    run_tasks()
    mail.outbox.clear()

    services.reminders_send(now=now)
    run_tasks()

    assert [(m.to, m.subject) for m in mail.outbox] == [
        ([dispute.buyer.email], f"Dispute #{dispute.pk}: 24 hours left to respond")
    ]


def test_no_reminder_after_the_respondent_answered(now: Any, run_tasks: Callable[[], None]) -> None:
    dispute = due_in(make_dispute(), 72 * HOUR, now=now)
    assert services.reminders_send(now=now) == 1
    services.message_post(actor=dispute.seller, dispute_id=dispute.pk, body="Here is my side.")
    run_tasks()
    mail.outbox.clear()

    assert services.reminders_send(now=now + 48 * HOUR) == 0
    run_tasks()

    assert reminded(dispute) == ["72h"]
    assert mail.outbox == []


def test_the_openers_own_message_is_no_response(now: Any) -> None:
    dispute = due_in(make_dispute(), 24 * HOUR, now=now)
    services.message_post(actor=dispute.buyer, dispute_id=dispute.pk, body="Still waiting.")

    assert services.reminders_send(now=now) == 1
    assert reminded(dispute) == ["24h"]


def test_no_reminder_once_staff_took_the_dispute_up(now: Any) -> None:
    dispute = due_in(make_dispute(), 24 * HOUR, now=now)
    services.dispute_take_up(actor=new_staff(), dispute_id=dispute.pk)

    assert services.reminders_send(now=now) == 0
    assert reminded(dispute) == []


@pytest.mark.parametrize("state", [DisputeStatus.WON, DisputeStatus.LOST, DisputeStatus.CLOSED])
def test_no_reminder_on_a_decided_dispute(now: Any, state: str) -> None:
    dispute = due_in(make_dispute(state=state), 24 * HOUR, now=now)

    assert services.reminders_send(now=now) == 0
    assert reminded(dispute) == []
    assert remind_events(dispute) == []


def test_no_reminder_on_a_withdrawn_or_settled_dispute(now: Any) -> None:
    withdrawn = make_dispute()
    services.dispute_withdraw(actor=withdrawn.buyer, dispute_id=withdrawn.pk)
    settled = make_dispute()
    offer = services.offer_propose(
        actor=settled.seller, dispute_id=settled.pk, amount=settled.amount
    )
    services.offer_accept(actor=settled.buyer, dispute_id=settled.pk, offer_id=offer.pk)
    for dispute in (withdrawn, settled):
        due_in(dispute, 24 * HOUR, now=now)

    assert services.reminders_send(now=now) == 0


def test_no_reminder_on_a_chargeback(now: Any) -> None:
    dispute = due_in(make_dispute(), 24 * HOUR, now=now)
    # The payment provider's dispute: its deadline and its reminders are the provider's.
    Dispute.objects.filter(pk=dispute.pk).update(kind=DisputeKind.CHARGEBACK, opened_by=None)

    assert services.reminders_send(now=now) == 0
    assert reminded(dispute) == []


def test_an_escalated_dispute_is_still_reminded(now: Any) -> None:
    dispute = make_dispute()
    services.dispute_escalate(
        actor=dispute.buyer, dispute_id=dispute.pk, reason="The seller never answers me."
    )
    due_in(dispute, 24 * HOUR, now=now)

    assert services.reminders_send(now=now) == 1
    assert reminded(dispute) == ["24h"]


def test_a_dispute_opened_with_less_than_72_hours_left_gets_only_the_24_hour_reminder(
    now: Any,
) -> None:
    dispute = due_in(make_dispute(), 50 * HOUR, now=now, opened_with=50 * HOUR + HOUR)

    assert services.reminders_send(now=now) == 0
    assert services.reminders_send(now=now + 26 * HOUR) == 1
    assert reminded(dispute) == ["24h"]


def test_a_dispute_opened_exactly_72_hours_before_its_deadline_gets_both(now: Any) -> None:
    dispute = due_in(make_dispute(), 72 * HOUR, now=now, opened_with=72 * HOUR)

    assert services.reminders_send(now=now) == 1
    assert services.reminders_send(now=now + 48 * HOUR) == 1
    assert reminded(dispute) == ["72h", "24h"]


def test_a_dispute_opened_with_less_than_24_hours_left_gets_none(now: Any) -> None:
    dispute = due_in(make_dispute(), 10 * HOUR, now=now, opened_with=10 * HOUR + SECOND)

    assert services.reminders_send(now=now) == 0
    assert services.reminders_send(now=now + 9 * HOUR) == 0
    assert reminded(dispute) == []


def test_a_runner_back_after_the_72_hour_window_sends_only_the_24_hour_one(now: Any) -> None:
    dispute = due_in(make_dispute(), 20 * HOUR, now=now)

    assert services.reminders_send(now=now) == 1
    assert reminded(dispute) == ["24h"]
    assert services.reminders_send(now=now) == 0


def test_a_respondent_without_an_address_is_recorded_but_not_mailed(
    now: Any, run_tasks: Callable[[], None]
) -> None:
    seller = new_user(username="quiet", email="")
    dispute = due_in(make_dispute(order=make_order(seller=seller)), 24 * HOUR, now=now)
    run_tasks()
    mail.outbox.clear()

    assert services.reminders_send(now=now) == 1
    run_tasks()

    assert mail.outbox == []
    assert [event["mailed"] for event in remind_events(dispute)] == [False]
    assert services.reminders_send(now=now) == 0


def test_only_due_disputes_are_touched_and_activity_does_not_move(now: Any) -> None:
    due = due_in(make_dispute(), 24 * HOUR, now=now)
    later = due_in(make_dispute(), 5 * 24 * HOUR, now=now)
    before = (due.updated_at, due.last_activity_at)

    assert services.reminders_send(now=now, batch_size=1) == 1

    due.refresh_from_db()
    # A reminder is not activity on the dispute: the queue's "last activity" stays.
    assert (due.updated_at, due.last_activity_at) == before
    assert reminded(later) == []


def test_many_due_disputes_in_small_batches_each_get_one_reminder(now: Any) -> None:
    disputes = [due_in(make_dispute(), 30 * HOUR + i * HOUR, now=now) for i in range(5)]

    assert services.reminders_send(now=now, batch_size=2) == 5
    assert all(reminded(dispute) == ["72h"] for dispute in disputes)
    assert DisputeEvent.objects.filter(type=EventType.REMINDER_SENT).count() == 5


def test_the_reminder_shows_on_both_parties_timeline(now: Any, buyer: User, seller: User) -> None:
    dispute = due_in(make_dispute(order=make_order(buyer=buyer, seller=seller)), 24 * HOUR, now=now)
    services.reminders_send(now=now)

    for party in (buyer, seller):
        client = Client()
        client.force_login(party)
        html = client.get(f"/disputes/{dispute.pk}/").content.decode()
        assert "Respondent reminded of the deadline" in html


def test_the_command_sends_what_is_due(run_tasks: Callable[[], None]) -> None:
    dispute = due_in(make_dispute(), 24 * HOUR - HOUR, now=timezone.now())
    run_tasks()
    mail.outbox.clear()
    out = StringIO()

    call_command("send_reminders", stdout=out)
    run_tasks()

    assert out.getvalue() == "Sent 1 reminder(s).\n"
    assert [m.to for m in mail.outbox] == [[dispute.seller.email]]
    out = StringIO()
    call_command("send_reminders", stdout=out)
    assert out.getvalue() == "Sent 0 reminder(s).\n"


@pytest.mark.parametrize("size", ["0", "10001"])
def test_the_command_refuses_a_batch_size_out_of_range(size: str) -> None:
    with pytest.raises(CommandError, match=r"--batch-size must be between 1 and 10000\."):
        call_command("send_reminders", "--batch-size", size)
