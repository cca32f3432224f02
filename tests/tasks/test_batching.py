"""A party gets at most one mail per dispute per window (ECHO_MAIL_BATCH_SECONDS, 300 s),
listing what arrived; and no mail ever carries an internal note."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.conf import LazySettings
from django.core import mail
from django.utils import timezone

from accounts.models import User
from background.models import MailBatch, MailBatchItem
from disputes import services
from disputes.models import Dispute, DisputeStatus, Visibility
from tests.factories import make_dispute
from tests.tasks.helpers import FLUSH, make_due, queued, sent_to

pytestmark = pytest.mark.django_db


@pytest.fixture
def dispute(staff: User, run_tasks: Callable[[], None]) -> Dispute:
    dispute = make_dispute(staff=staff)
    run_tasks()  # the opening's mail
    mail.outbox.clear()
    return dispute


def _post(dispute: Dispute, actor: User, body: str) -> None:
    services.message_post(actor=actor, dispute_id=dispute.pk, body=body)


def test_2000_messages_from_the_buyer_send_the_seller_two_mails(
    dispute: Dispute, run_tasks: Callable[[], None], settings: LazySettings
) -> None:
    # A desk that raised the per-dispute cap (1,000 by default) to let a thread grow this long.
    settings.ECHO_MAX_MESSAGES_PER_DISPUTE = 2000
    # The worker keeps up: it runs after every hundred posts.
    for chunk in range(20):
        for i in range(100):
            _post(dispute, dispute.buyer, f"Message {chunk * 100 + i + 1}")
        run_tasks()
    # The first hundred went out together as soon as the worker saw them; the other 1,900 wait
    # for the end of the window, in one flush.
    (first,) = sent_to(dispute.seller.email)
    assert first.subject == f"100 updates on dispute #{dispute.pk}"
    # A digest shows the oldest 50 in full and counts the rest.
    assert "Message 1\n" in first.body and "Message 50\n" in first.body
    assert "Message 51\n" not in first.body
    assert first.body.endswith(f"... and 50 more; open dispute #{dispute.pk} to read them all.")
    (flush,) = queued(FLUSH)
    batch = MailBatch.objects.get(recipient=dispute.seller)
    assert batch.last_sent_at is not None
    assert flush.run_after == batch.last_sent_at + timedelta(seconds=300)
    assert MailBatchItem.objects.filter(batch=batch).count() == 1900
    make_due([flush])
    run_tasks()
    first_again, second = sent_to(dispute.seller.email)
    assert first_again is first
    assert second.subject == f"1900 updates on dispute #{dispute.pk}"
    assert second.body.startswith(f"Here is what arrived on dispute #{dispute.pk}:")
    assert "Message 101\n" in second.body and "Message 151\n" not in second.body
    assert second.body.endswith(f"... and 1850 more; open dispute #{dispute.pk} to read them all.")
    assert sent_to(dispute.buyer.email) == []
    assert len(mail.outbox) == 2
    assert not MailBatchItem.objects.exists()


def test_within_the_window_a_message_waits_after_it_leaves_at_once(
    dispute: Dispute, run_tasks: Callable[[], None]
) -> None:
    _post(dispute, dispute.seller, "Shipped on Monday.")
    run_tasks()
    assert [m.subject for m in sent_to(dispute.buyer.email)] == [
        f"New message on dispute #{dispute.pk}"
    ]
    _post(dispute, dispute.seller, "Tracking number 1Z999.")
    run_tasks()
    assert len(sent_to(dispute.buyer.email)) == 1  # the window is still open
    # The window ends: exactly this one message, word for word, in the next mail.
    make_due(queued(FLUSH))
    run_tasks()
    later = sent_to(dispute.buyer.email)[1]
    assert (later.subject, later.body) == (
        f"New message on dispute #{dispute.pk}",
        f"{dispute.seller.username} wrote:\n\nTracking number 1Z999.",
    )
    # After a quiet window the next message leaves at once again.
    MailBatch.objects.update(last_sent_at=timezone.now() - timedelta(seconds=301))
    _post(dispute, dispute.seller, "Delivered?")
    run_tasks()
    assert len(sent_to(dispute.buyer.email)) == 3


def test_the_window_is_a_setting(
    dispute: Dispute, settings: LazySettings, run_tasks: Callable[[], None]
) -> None:
    settings.ECHO_MAIL_BATCH_SECONDS = 60
    _post(dispute, dispute.seller, "One.")
    run_tasks()
    _post(dispute, dispute.seller, "Two.")
    (flush,) = queued(FLUSH)
    batch = MailBatch.objects.get(recipient=dispute.buyer)
    assert batch.last_sent_at is not None
    assert flush.run_after == batch.last_sent_at + timedelta(seconds=60)


def test_each_party_has_its_own_window(dispute: Dispute, run_tasks: Callable[[], None]) -> None:
    _post(dispute, dispute.seller, "From the seller.")
    _post(dispute, dispute.buyer, "From the buyer.")
    run_tasks()
    assert [m.body.splitlines()[-1] for m in sent_to(dispute.buyer.email)] == ["From the seller."]
    assert [m.body.splitlines()[-1] for m in sent_to(dispute.seller.email)] == ["From the buyer."]


def test_an_account_deactivated_during_the_window_gets_nothing(
    dispute: Dispute, run_tasks: Callable[[], None]
) -> None:
    _post(dispute, dispute.seller, "Shipped on Monday.")
    User.objects.filter(pk=dispute.buyer_id).update(is_active=False)
    run_tasks()
    assert mail.outbox == []
    assert queued() == []


NOTE = "INTERNAL-7f3a the seller has three prior chargebacks"


def test_no_mail_ever_carries_an_internal_note(staff: User, run_tasks: Callable[[], None]) -> None:
    dispute = make_dispute(state=DisputeStatus.UNDER_REVIEW, staff=staff)
    services.message_post(
        actor=staff, dispute_id=dispute.pk, body=NOTE, visibility=Visibility.INTERNAL
    )
    _post(dispute, staff, "We are looking into it.")
    services.message_post(
        actor=staff, dispute_id=dispute.pk, body=f"{NOTE} (2)", visibility=Visibility.INTERNAL
    )
    _post(dispute, dispute.buyer, "Photos attached.")
    _post(dispute, dispute.seller, "It was sealed.")
    assert not MailBatchItem.objects.filter(body__contains="INTERNAL-7f3a").exists()
    run_tasks()
    make_due(queued(FLUSH))
    run_tasks()
    services.dispute_close(actor=staff, dispute_id=dispute.pk, resolution="Refund in full.")
    run_tasks()
    # Both parties got the public activity (digests included) and the decision...
    assert len(sent_to(dispute.buyer.email)) >= 2 and len(sent_to(dispute.seller.email)) >= 2
    assert any("We are looking into it." in m.body for m in sent_to(dispute.buyer.email))
    # ...and not one word of a note.
    for message in mail.outbox:
        assert "INTERNAL-7f3a" not in message.subject
        assert "INTERNAL-7f3a" not in message.body


def test_a_flush_lost_in_a_crash_is_queued_again_by_the_next_notification(
    dispute: Dispute, run_tasks: Callable[[], None]
) -> None:
    _post(dispute, dispute.seller, "Shipped on Monday.")
    (lost,) = queued(FLUSH)
    lost.delete()  # what a crash between commit and hand-over to Redis would leave
    MailBatch.objects.update(flush_due_at=timezone.now() - timedelta(minutes=16))
    _post(dispute, dispute.seller, "Tracking number 1Z999.")
    run_tasks()
    (digest,) = sent_to(dispute.buyer.email)
    assert digest.subject == f"2 updates on dispute #{dispute.pk}"
    assert "Shipped on Monday." in digest.body and "Tracking number 1Z999." in digest.body
