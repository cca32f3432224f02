"""disputes.sql against the ORM queries it replaces: the same rows, values and order, on whichever
database the suite runs (make test runs this file on PostgreSQL and on SQLite)."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db.models import F, Q

from disputes import services, sql
from disputes.models import OPEN_STATUSES, Dispute, Evidence, Message, Visibility
from tests.factories import make_dispute, make_order, new_staff, new_user
from tests.payments.helpers import event_doc, post_event

pytestmark = pytest.mark.django_db


def _dispute_values(dispute: Dispute) -> dict[str, Any]:
    return {name: getattr(dispute, name) for name in sql.LIST_FIELDS}


def _orm_dispute(dispute_id: int) -> dict[str, Any]:
    return _dispute_values(Dispute.objects.get(pk=dispute_id))


def _message_values(message: Message) -> tuple[Any, ...]:
    return (
        message.pk,
        message.dispute_id,
        message.author_id,
        message.author.username,
        message.body,
        message.visibility,
        message.created_at,
    )


def _orm_thread(dispute_id: int, visibilities: tuple[str, ...]) -> list[tuple[Any, ...]]:
    rows = (
        Message.objects.select_related("author")
        .filter(dispute_id=dispute_id, visibility__in=visibilities)
        .order_by("created_at", "id")
    )
    return [_message_values(m) for m in rows]


@pytest.fixture
def busy_dispute() -> Dispute:
    staff = new_staff()
    dispute = make_dispute(staff=staff, amount=Decimal("7.25"))
    authors = [dispute.buyer, dispute.seller, staff]
    for i in range(12):
        author = authors[i % 3]
        visibility = Visibility.INTERNAL if author is staff and i % 2 else Visibility.PUBLIC
        services.message_post(
            actor=author, dispute_id=dispute.pk, body=f"message {i} ü", visibility=visibility
        )
    # Two messages at the same instant: the id decides their order, as in the ORM's ordering.
    same = datetime(2026, 5, 4, 3, 2, 1, 123456, tzinfo=UTC)
    last_two = list(Message.objects.filter(dispute=dispute).order_by("-id")[:2])
    Message.objects.filter(pk__in=[m.pk for m in last_two]).update(created_at=same)
    services.dispute_escalate(
        actor=dispute.seller, dispute_id=dispute.pk, reason="  Please decide this one.  "
    )
    services.dispute_close(
        actor=staff, dispute_id=dispute.pk, outcome="lost", refund_amount=Decimal("3.10"),
        resolution="Refund part of the price.",
    )  # fmt: skip
    return dispute


@pytest.mark.parametrize(
    "visibilities", [(Visibility.PUBLIC,), (Visibility.PUBLIC, Visibility.INTERNAL)]
)
def test_dispute_with_thread_matches_the_orm(
    busy_dispute: Dispute, visibilities: tuple[str, ...]
) -> None:
    found = sql.dispute_with_thread(busy_dispute.pk, visibilities=visibilities, newest=50)
    assert found is not None
    assert _dispute_values(found) == _orm_dispute(busy_dispute.pk)
    assert found.opened_by is not None
    assert found.opened_by.username == busy_dispute.buyer.username
    thread = [_message_values(m) for m in found.visible_messages]  # type: ignore[attr-defined]
    assert thread == _orm_thread(busy_dispute.pk, visibilities)
    assert (
        len(thread)
        == Message.objects.filter(dispute=busy_dispute, visibility__in=visibilities).count()
        == found.message_count  # type: ignore[attr-defined]
    )
    # The values have the model's types on both databases, times in UTC.
    assert isinstance(found.amount, Decimal) and found.amount == Decimal("7.25")
    assert found.refund_amount == Decimal("3.10")
    assert found.created_at.tzinfo is not None and found.closed_at is not None
    assert found.escalated_at is not None and found.escalated_at.tzinfo is not None
    assert (found.escalated_by_id, found.escalation_reason) == (
        busy_dispute.seller_id,
        "Please decide this one.",
    )


def _orm_newest(dispute_id: int, visibilities: tuple[str, ...], newest: int) -> list[Any]:
    """The ORM's newest `newest` messages, oldest first among them."""
    rows = (
        Message.objects.select_related("author")
        .filter(dispute_id=dispute_id, visibility__in=visibilities)
        .order_by("-created_at", "-id")[:newest]
    )
    return [_message_values(m) for m in reversed(list(rows))]


@pytest.mark.parametrize("newest", [0, 1, 2, 9, 10, 11, 12, 13])
@pytest.mark.parametrize(
    "visibilities", [(Visibility.PUBLIC,), (Visibility.PUBLIC, Visibility.INTERNAL)]
)
def test_dispute_with_thread_keeps_the_newest_messages_the_orm_would(
    busy_dispute: Dispute, visibilities: tuple[str, ...], newest: int
) -> None:
    # busy_dispute: 12 messages, 10 public, and its last two at the same instant (the id decides).
    found = sql.dispute_with_thread(busy_dispute.pk, visibilities=visibilities, newest=newest)
    assert found is not None
    thread = [_message_values(m) for m in found.visible_messages]  # type: ignore[attr-defined]
    assert thread == _orm_newest(busy_dispute.pk, visibilities, newest)
    total = Message.objects.filter(dispute=busy_dispute, visibility__in=visibilities).count()
    assert total == (12 if Visibility.INTERNAL in visibilities else 10)
    assert len(thread) == min(newest, total)
    assert found.message_count == total  # type: ignore[attr-defined]
    # The dispute's own values do not depend on how many messages come along.
    assert _dispute_values(found) == _orm_dispute(busy_dispute.pk)


def test_dispute_with_thread_of_a_dispute_without_messages_or_opener() -> None:
    order = make_order()
    assert post_event(event_doc(order)).status_code == 200
    chargeback = Dispute.objects.get(order=order, kind="chargeback")
    found = sql.dispute_with_thread(chargeback.pk, visibilities=(Visibility.PUBLIC,), newest=50)
    assert found is not None
    assert _dispute_values(found) == _orm_dispute(chargeback.pk)
    assert found.opened_by is None
    assert found.visible_messages == []  # type: ignore[attr-defined]
    assert found.message_count == 0  # type: ignore[attr-defined]


@pytest.mark.parametrize("dispute_id", [0, -1, 2**63, 10**6])
def test_dispute_with_thread_of_no_dispute_is_none(dispute_id: int) -> None:
    make_dispute()
    assert sql.dispute_with_thread(dispute_id, visibilities=(Visibility.PUBLIC,), newest=50) is None


def _orm_party_page(user_id: int, offset: int, limit: int, statuses: tuple[str, ...]) -> list[Any]:
    qs = Dispute.objects.filter(Q(buyer_id=user_id) | Q(seller_id=user_id))
    if statuses:
        qs = qs.filter(status__in=statuses)
    return [
        (_dispute_values(d), d.opened_by.username if d.opened_by else None)
        for d in qs.select_related("opened_by").order_by("-created_at", "-id")[
            offset : offset + limit
        ]
    ]


@pytest.fixture
def party() -> Any:
    """A user who buys some orders and sells others, with disputes in several states, two of
    them created at the same instant, plus someone else's dispute that must never show."""
    user = new_user()
    staff = new_staff()
    for state in ("needs_response", "under_review", "won", "closed"):
        make_dispute(order=make_order(buyer=user), state=state, staff=staff)
        make_dispute(order=make_order(seller=user), state=state, staff=staff, opener="buyer")
    make_dispute(order=make_order(seller=user), opener="seller", staff=staff)
    # Settled between the parties (closed, outcome settled, a refund) and escalated to staff.
    settled = make_dispute(order=make_order(buyer=user), staff=staff)
    offer = services.offer_propose(
        actor=settled.seller, dispute_id=settled.pk, amount=Decimal("12.34")
    )
    services.offer_accept(actor=user, dispute_id=settled.pk, offer_id=offer.pk)
    escalated = make_dispute(order=make_order(seller=user), staff=staff)
    services.dispute_escalate(actor=user, dispute_id=escalated.pk, reason="We cannot agree.")
    make_dispute()
    moment = datetime(2026, 2, 1, 12, 0, 0, 654321, tzinfo=UTC)
    ids = list(Dispute.objects.order_by("id").values_list("pk", flat=True)[:3])
    Dispute.objects.filter(pk__in=ids[:2]).update(created_at=moment)
    Dispute.objects.filter(pk=ids[2]).update(created_at=moment - timedelta(microseconds=1))
    return user


@pytest.mark.parametrize(("offset", "limit"), [(0, 50), (0, 3), (3, 3), (6, 4), (8, 5), (30, 10)])
@pytest.mark.parametrize("statuses", [(), tuple(OPEN_STATUSES), ("won",)])
def test_party_disputes_page_matches_the_orm(
    party: Any, offset: int, limit: int, statuses: tuple[str, ...]
) -> None:
    page = sql.party_disputes_page(user_id=party.pk, offset=offset, limit=limit, statuses=statuses)
    rows = [(_dispute_values(d), d.opened_by.username if d.opened_by else None) for d in page]
    assert rows == _orm_party_page(party.pk, offset, limit, statuses)


def test_party_disputes_page_of_nobody_is_empty(party: Any) -> None:
    assert sql.party_disputes_page(user_id=0, offset=0, limit=50) == []
    assert sql.party_disputes_page(user_id=party.pk, offset=0, limit=0) == []


def _finance_values(dispute: Dispute) -> dict[str, Any]:
    values = {name: getattr(dispute, name) for name in sql.FINANCE_FIELDS}
    values["transaction_id"] = dispute.transaction_id  # type: ignore[attr-defined]
    values["store_id"] = dispute.store_id  # type: ignore[attr-defined]
    return values


@pytest.fixture
def finance_world(party: Any) -> Any:
    """`party`'s disputes plus a chargeback with a fee, times to the microsecond."""
    order = make_order(seller=party)
    assert post_event(event_doc(order)).status_code == 200
    return party


@pytest.mark.parametrize("scope", ["staff", "seller"])
@pytest.mark.parametrize("statuses", [(), ("needs_response",), ("won", "closed")])
@pytest.mark.parametrize("window", ["none", "from", "before", "both"])
@pytest.mark.parametrize("after_row", [None, 1, 4])
def test_finance_disputes_page_matches_the_orm(
    finance_world: Any, scope: str, statuses: tuple[str, ...], window: str, after_row: int | None
) -> None:
    seller_id = None if scope == "staff" else finance_world.pk
    qs = Dispute.objects.annotate(
        store_id=F("order__item__store_id"), transaction_id=F("order__transaction_id")
    ).order_by("-created_at", "-id")
    if seller_id is not None:
        qs = qs.filter(seller_id=seller_id)
    if statuses:
        qs = qs.filter(status__in=statuses)
    times = sorted(Dispute.objects.values_list("created_at", flat=True))
    low, high = times[1], times[-2]
    created_from = low if window in ("from", "both") else None
    created_before = high if window in ("before", "both") else None
    if created_from is not None:
        qs = qs.filter(created_at__gte=created_from)
    if created_before is not None:
        qs = qs.filter(created_at__lt=created_before)
    after = None
    everything = list(qs)
    if after_row is not None and len(everything) > after_row:
        last = everything[after_row]
        after = (last.created_at, last.pk)
        qs = qs.filter(
            Q(created_at__lt=last.created_at) | Q(created_at=last.created_at, pk__lt=last.pk)
        )
    page = sql.finance_disputes_page(
        seller_id=seller_id,
        limit=5,
        statuses=statuses,
        created_from=created_from,
        created_before=created_before,
        after=after,
    )
    assert [_finance_values(d) for d in page] == [_finance_values(d) for d in qs[:5]]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "visibilities", [(Visibility.PUBLIC,), (Visibility.PUBLIC, Visibility.INTERNAL)]
)
def test_dispute_with_thread_carries_the_files_the_orm_would(
    visibilities: tuple[str, ...],
) -> None:
    staff = new_staff()
    dispute = make_dispute(staff=staff)
    services.message_post(actor=dispute.seller, dispute_id=dispute.pk, body="See the receipt.")
    for actor, visibility, text in (
        (dispute.seller, Visibility.PUBLIC, b"Receipt 1: lamp, 100.00 EUR\n"),
        (staff, Visibility.INTERNAL, b"Seller had two earlier chargebacks.\n"),
        (dispute.buyer, Visibility.PUBLIC, b"Photo notes: cracked lid\n"),
    ):
        services.evidence_add(
            actor=actor,
            dispute_id=dispute.pk,
            upload=io.BytesIO(text),
            file_name="notes.txt",
            visibility=visibility,
        )
    found = sql.dispute_with_thread(dispute.pk, visibilities=visibilities, newest=50)
    assert found is not None
    files = [
        (e.pk, e.uploader_id, e.uploader.username, e.file_name, e.size, e.sha256, e.file.name)
        for e in found.visible_evidence  # type: ignore[attr-defined]
    ]
    expected = [
        (e.pk, e.uploader_id, e.uploader.username, e.file_name, e.size, e.sha256, e.file.name)
        for e in Evidence.objects.select_related("uploader")
        .filter(dispute=dispute, visibility__in=visibilities)
        .order_by("created_at", "id")
    ]
    assert files == expected
    assert len(files) == (3 if Visibility.INTERNAL in visibilities else 2)
    thread = [_message_values(m) for m in found.visible_messages]  # type: ignore[attr-defined]
    assert thread == _orm_thread(dispute.pk, visibilities)
