"""seed_scale: consistent bulk data, the well-known accounts, and no accidental second run."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count, F, Q

from accounts.models import User
from disputes.management.commands.seed_scale import SCALE_PASSWORD
from disputes.models import (
    OPEN_STATUSES,
    Dispute,
    DisputeEvent,
    DisputeStatus,
    EventType,
    Message,
    Visibility,
)
from orders.models import Order
from tests.factories import make_dispute

pytestmark = pytest.mark.django_db


def seed(**options: object) -> None:
    call_command("seed_scale", verbosity=0, **options)


def test_fills_consistent_data_and_the_well_known_accounts() -> None:
    seed(disputes=300, users=40, batch=70, heavy_every=50, heavy_messages=12)
    assert Dispute.objects.count() == 300
    # One order per dispute: the one-open-dispute-per-order rule holds by construction.
    assert Order.objects.count() == 300
    statuses = set(Dispute.objects.values_list("status", flat=True))
    assert statuses == set(DisputeStatus.values)
    open_share = Dispute.objects.filter(status__in=OPEN_STATUSES).count() / 300
    assert 0.35 < open_share < 0.65
    assert Dispute.objects.overdue().exists()
    internal_share = Message.objects.filter(visibility=Visibility.INTERNAL).count() / max(
        Message.objects.count(), 1
    )
    assert 0.03 < internal_share < 0.2
    # Every 50th dispute carries the long thread.
    heavy = Dispute.objects.annotate(n=Count("messages")).filter(n=12).count()
    assert heavy >= 5

    buyer = User.objects.get(email="scale-buyer@example.com")
    seller = User.objects.get(email="scale-seller@example.com")
    staff = User.objects.get(email="scale-staff@example.com")
    for user in (buyer, seller, staff):
        assert user.check_password(SCALE_PASSWORD)
    assert staff.is_staff and staff.groups.filter(name="Support").exists()
    assert seller.store.items.exists()
    theirs = Dispute.objects.filter(buyer=buyer)
    assert theirs.count() >= 100
    assert not theirs.exclude(seller=seller).exists()
    long_thread = theirs.annotate(
        public=Count("messages", filter=Q(messages__visibility=Visibility.PUBLIC))
    ).filter(public=20)
    assert long_thread.exists()

    # Rows agree with each other the way the services would have written them.
    assert not Dispute.objects.exclude(seller_id=F("order__seller_id")).exists()
    assert not Dispute.objects.exclude(buyer_id=F("order__buyer_id")).exists()
    assert not Dispute.objects.filter(status__in=OPEN_STATUSES, closed_at__isnull=False).exists()
    assert not Dispute.objects.exclude(status__in=OPEN_STATUSES).filter(closed_at=None).exists()
    assert not Dispute.objects.filter(status=DisputeStatus.LOST, refund_amount=None).exists()
    assert not Dispute.objects.filter(
        status=DisputeStatus.WON, refund_amount__isnull=False
    ).exists()
    assert DisputeEvent.objects.filter(type=EventType.OPENED).count() == 300
    assert (
        not Dispute.objects.filter(status=DisputeStatus.UNDER_REVIEW)
        .exclude(events__to_status=DisputeStatus.UNDER_REVIEW)
        .exists()
    )
    # A respondent's public message would have moved the dispute: none while awaiting one.
    waiting = Dispute.objects.filter(status=DisputeStatus.NEEDS_RESPONSE)
    for dispute in waiting[:30]:
        public_authors = set(
            dispute.messages.filter(visibility=Visibility.PUBLIC).values_list(
                "author_id", flat=True
            )
        )
        assert dispute.respondent_id not in public_authors


def test_sequences_continue_after_the_explicit_ids() -> None:
    seed(disputes=20, users=10)
    fresh = make_dispute()
    assert fresh.pk > Dispute.objects.exclude(pk=fresh.pk).order_by("-pk").first().pk  # type: ignore[union-attr]


def test_refuses_a_second_run_unless_appending() -> None:
    seed(disputes=10, users=10)
    with pytest.raises(CommandError, match="--append"):
        seed(disputes=10, users=10)
    seed(disputes=15, users=5, append=True)
    assert Dispute.objects.count() == 25
    assert User.objects.filter(email="scale-buyer@example.com").count() == 1


def test_rejects_nonsense_sizes() -> None:
    with pytest.raises(CommandError, match="--disputes"):
        seed(disputes=0)
