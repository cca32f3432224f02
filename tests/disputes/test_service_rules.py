"""The rules of the services beyond who-may-move-what: lengths, money, deadlines, e-mails."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.core import mail
from django.db import IntegrityError, transaction
from django.test import override_settings

from accounts.models import User
from disputes import services
from disputes.models import Dispute, DisputeStatus, EventType, Message
from echo_disputes.errors import Conflict, InvalidInput, NotAllowed, NotFound
from orders.models import Order, OrderStatus
from orders.services import order_set_status
from tests.disputes.helpers import REASON, snapshot
from tests.factories import make_dispute, make_overdue

pytestmark = pytest.mark.django_db


def _open(order: Order, **kwargs: Any) -> Dispute:
    kwargs.setdefault("reason", REASON)
    return services.dispute_open(actor=order.buyer, order_id=order.pk, **kwargs)


def _refused_open(order: Order, field: str, **kwargs: Any) -> None:
    with pytest.raises(InvalidInput) as caught:
        _open(order, **kwargs)
    assert field in caught.value.details, caught.value.details
    assert not Dispute.objects.filter(order=order).exists()


# --- reason ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("length", [10, 11, 499, 500])
def test_reason_of_10_to_500_characters_is_accepted(order: Order, length: int) -> None:
    assert _open(order, reason="x" * length).reason == "x" * length


@pytest.mark.parametrize(
    "reason",
    ["x" * 9, "x" * 501, "", " " * 20, "\n\t  \n", "   short    "],
    ids=["9", "501", "empty", "spaces", "whitespace", "9_after_trim"],
)
def test_reason_outside_10_to_500_characters_is_refused(order: Order, reason: str) -> None:
    _refused_open(order, "reason", reason=reason)


def test_reason_is_stored_trimmed(order: Order) -> None:
    assert _open(order, reason="  Broken on arrival.  ").reason == "Broken on arrival."


def test_unknown_reason_code_is_refused(order: Order) -> None:
    _refused_open(order, "reasonCode", reason_code="bored")


def test_reason_code_defaults_to_general(order: Order) -> None:
    assert _open(order).reason_code == "general"


# --- amount and currency at open ------------------------------------------------------------------


def test_amount_defaults_to_the_order_price(order: Order) -> None:
    dispute = _open(order)
    assert dispute.amount == order.final_price == Decimal("100.00")
    assert dispute.original_amount == order.final_price
    assert dispute.currency == order.currency


@pytest.mark.parametrize("amount", ["0.01", "40.50", "100.00", "100"])
def test_amount_up_to_the_order_price_is_accepted(order: Order, amount: str) -> None:
    assert _open(order, amount=Decimal(amount)).amount == Decimal(amount)


@pytest.mark.parametrize("amount", ["100.01", "0", "0.00", "-1.00", "10.005", "1E+9"])
def test_amount_over_the_price_not_positive_or_with_three_decimals_is_refused(
    order: Order, amount: str
) -> None:
    _refused_open(order, "amount", amount=Decimal(amount))


def test_currency_other_than_the_orders_is_refused(order: Order) -> None:
    _refused_open(order, "currency", currency="USD")


def test_the_orders_currency_is_accepted(order: Order) -> None:
    assert _open(order, currency="EUR").currency == "EUR"


def test_open_on_missing_order_is_not_found(buyer: User) -> None:
    with pytest.raises(NotFound) as caught:
        services.dispute_open(actor=buyer, order_id=987654, reason=REASON)
    assert caught.value.code == "order_not_found"


# --- deadline -------------------------------------------------------------------------------------


@override_settings(DISPUTE_RESPONSE_WINDOW=timedelta(days=2, hours=3))
def test_respond_by_is_now_plus_the_response_window(order: Order) -> None:
    dispute = _open(order)
    assert dispute.respond_by - dispute.created_at == timedelta(days=2, hours=3)


def test_respond_by_defaults_to_seven_days(order: Order) -> None:
    dispute = _open(order)
    assert dispute.respond_by - dispute.created_at == timedelta(days=7)


# --- messages -------------------------------------------------------------------------------------


@pytest.mark.parametrize("length", [1, 2000])
def test_message_of_1_to_2000_characters_is_accepted(length: int) -> None:
    dispute = make_dispute()
    message = services.message_post(actor=dispute.buyer, dispute_id=dispute.pk, body="m" * length)
    assert message.body == "m" * length


@pytest.mark.parametrize(
    "body", ["", "   ", "\n\n", "m" * 2001], ids=["empty", "spaces", "nl", "2001"]
)
def test_blank_or_too_long_message_is_refused(body: str) -> None:
    dispute = make_dispute()
    before = snapshot(dispute.pk)
    with pytest.raises(InvalidInput) as caught:
        services.message_post(actor=dispute.buyer, dispute_id=dispute.pk, body=body)
    assert "message" in caught.value.details
    assert snapshot(dispute.pk) == before


def test_unknown_visibility_is_refused(staff: User) -> None:
    dispute = make_dispute(staff=staff)
    before = snapshot(dispute.pk)
    with pytest.raises(InvalidInput) as caught:
        services.message_post(actor=staff, dispute_id=dispute.pk, body="x", visibility="secret")
    assert "visibility" in caught.value.details
    assert snapshot(dispute.pk) == before


def test_respondents_first_public_message_moves_to_under_review() -> None:
    dispute = make_dispute()
    services.message_post(actor=dispute.seller, dispute_id=dispute.pk, body="I shipped it.")
    dispute.refresh_from_db()
    assert dispute.status == DisputeStatus.UNDER_REVIEW
    assert dispute.first_response_at is not None
    assert dispute.events.filter(type=EventType.RESPONDED).count() == 1


def test_openers_messages_do_not_move_the_dispute() -> None:
    dispute = make_dispute()
    for _ in range(3):
        services.message_post(actor=dispute.buyer, dispute_id=dispute.pk, body="Still waiting.")
    dispute.refresh_from_db()
    assert dispute.status == DisputeStatus.NEEDS_RESPONSE
    assert dispute.first_response_at is None


def test_when_the_seller_opens_the_buyer_is_the_respondent() -> None:
    dispute = make_dispute(opener="seller")
    services.message_post(actor=dispute.seller, dispute_id=dispute.pk, body="Hello?")
    dispute.refresh_from_db()
    assert dispute.status == DisputeStatus.NEEDS_RESPONSE
    services.message_post(actor=dispute.buyer, dispute_id=dispute.pk, body="Here I am.")
    dispute.refresh_from_db()
    assert dispute.status == DisputeStatus.UNDER_REVIEW


def test_staff_public_message_does_not_count_as_the_response(staff: User) -> None:
    dispute = make_dispute(staff=staff)
    services.message_post(actor=staff, dispute_id=dispute.pk, body="Please respond.")
    dispute.refresh_from_db()
    assert dispute.status == DisputeStatus.NEEDS_RESPONSE


def test_public_message_moves_updated_at_and_internal_note_does_not(staff: User) -> None:
    dispute = make_dispute(staff=staff)
    stamp = dispute.updated_at
    services.message_post(actor=staff, dispute_id=dispute.pk, body="Note.", visibility="internal")
    dispute.refresh_from_db()
    assert dispute.updated_at == stamp
    services.message_post(actor=dispute.buyer, dispute_id=dispute.pk, body="Any news?")
    dispute.refresh_from_db()
    assert dispute.updated_at > stamp


def test_staff_take_up_moves_to_under_review(staff: User) -> None:
    dispute = make_dispute(staff=staff)
    services.dispute_take_up(actor=staff, dispute_id=dispute.pk)
    dispute.refresh_from_db()
    assert dispute.status == DisputeStatus.UNDER_REVIEW
    # Under review, the respondent's message no longer moves anything.
    services.message_post(actor=dispute.seller, dispute_id=dispute.pk, body="My side.")
    assert dispute.events.filter(type=EventType.RESPONDED).count() == 0


# --- one open dispute per order -------------------------------------------------------------------


@pytest.mark.parametrize("state", ["needs_response", "under_review"])
def test_second_open_dispute_on_an_order_is_conflict(order: Order, state: str) -> None:
    make_dispute(order=order, state=state)
    with pytest.raises(Conflict) as caught:
        services.dispute_open(actor=order.seller, order_id=order.pk, reason=REASON)
    assert caught.value.status_code == 409
    assert Dispute.objects.filter(order=order).count() == 1


@pytest.mark.parametrize("end", ["won", "lost", "closed", "withdrawn", "expired"])
def test_new_dispute_allowed_once_the_previous_is_terminal(order: Order, end: str) -> None:
    if end == "withdrawn":
        first = make_dispute(order=order)
        services.dispute_withdraw(actor=order.buyer, dispute_id=first.pk)
    elif end == "expired":
        make_overdue(make_dispute(order=order))
        assert services.disputes_expire() == 1
    else:
        make_dispute(order=order, state=end)
    second = services.dispute_open(actor=order.buyer, order_id=order.pk, reason=REASON)
    assert second.status == DisputeStatus.NEEDS_RESPONSE
    assert Dispute.objects.filter(order=order).count() == 2


# --- close: resolution, outcome and refund --------------------------------------------------------


def _close(dispute: Dispute, staff: User, **kwargs: Any) -> Dispute:
    kwargs.setdefault("resolution", "Decided after reading both sides.")
    return services.dispute_close(actor=staff, dispute_id=dispute.pk, **kwargs)


def test_lost_refund_defaults_to_the_disputed_amount(order: Order, staff: User) -> None:
    dispute = make_dispute(order=order, amount=Decimal("40.00"))
    closed = _close(dispute, staff, outcome="lost")
    assert closed.refund_amount == Decimal("40.00")


@pytest.mark.parametrize("refund", ["0.01", "55.55", "100.00"])
def test_lost_refund_up_to_the_order_price_is_recorded(
    order: Order, staff: User, refund: str
) -> None:
    dispute = make_dispute(order=order, amount=Decimal("40.00"))
    closed = _close(dispute, staff, outcome="lost", refund_amount=Decimal(refund))
    assert closed.refund_amount == Decimal(refund)
    assert closed.events.get(type=EventType.DECIDED).payload["refund_amount"] == refund


@pytest.mark.parametrize("refund", ["100.01", "0", "-5", "1.001"])
def test_lost_refund_over_the_price_not_positive_or_fractional_is_refused(
    order: Order, staff: User, refund: str
) -> None:
    dispute = make_dispute(order=order)
    before = snapshot(dispute.pk)
    with pytest.raises(InvalidInput) as caught:
        _close(dispute, staff, outcome="lost", refund_amount=Decimal(refund))
    assert "refundAmount" in caught.value.details
    assert snapshot(dispute.pk) == before


@pytest.mark.parametrize("outcome", ["won", None])
def test_refund_with_won_or_plain_close_is_refused(staff: User, outcome: str | None) -> None:
    dispute = make_dispute(staff=staff)
    before = snapshot(dispute.pk)
    with pytest.raises(InvalidInput) as caught:
        _close(dispute, staff, outcome=outcome, refund_amount=Decimal("10.00"))
    assert "refundAmount" in caught.value.details
    assert snapshot(dispute.pk) == before


@pytest.mark.parametrize("outcome", ["expired", "withdrawn", "draw", "WON"])
def test_outcome_other_than_won_lost_or_none_is_refused(staff: User, outcome: str) -> None:
    dispute = make_dispute(staff=staff)
    with pytest.raises(InvalidInput) as caught:
        _close(dispute, staff, outcome=outcome)
    assert "outcome" in caught.value.details


@pytest.mark.parametrize("resolution", ["", "   ", "r" * 2001], ids=["empty", "blank", "2001"])
def test_blank_or_too_long_resolution_is_refused(staff: User, resolution: str) -> None:
    dispute = make_dispute(staff=staff)
    with pytest.raises(InvalidInput) as caught:
        _close(dispute, staff, resolution=resolution)
    assert "resolution" in caught.value.details


def test_close_records_resolution_and_who_closed(staff: User) -> None:
    dispute = make_dispute(staff=staff)
    closed = _close(dispute, staff, resolution="  Both agreed to a return.  ")
    assert closed.resolution == "Both agreed to a return."
    assert closed.closed_by_id == staff.pk
    assert closed.refund_amount is None


# --- the order side -------------------------------------------------------------------------------


def test_order_cannot_complete_while_a_dispute_is_open(order: Order, staff: User) -> None:
    dispute = make_dispute(order=order, staff=staff)
    status_before = order.status
    with pytest.raises(Conflict) as caught:
        order_set_status(actor=order.seller, order_id=order.pk, status=OrderStatus.COMPLETED)
    assert caught.value.code == "order_has_open_dispute"
    order.refresh_from_db()
    assert order.status == status_before
    _close(dispute, staff, outcome="won")
    completed = order_set_status(
        actor=order.seller, order_id=order.pk, status=OrderStatus.COMPLETED
    )
    assert completed.status == OrderStatus.COMPLETED


# --- e-mails --------------------------------------------------------------------------------------


def _recipients() -> list[set[str]]:
    return [set(m.to) for m in mail.outbox]


def test_open_mails_the_other_party_only(
    order: Order, django_capture_on_commit_callbacks: Any, run_tasks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        _open(order)
    run_tasks()
    assert _recipients() == [{order.seller.email}]
    assert REASON in mail.outbox[0].body


def test_open_by_seller_mails_the_buyer(
    order: Order, django_capture_on_commit_callbacks: Any, run_tasks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        services.dispute_open(actor=order.seller, order_id=order.pk, reason=REASON)
    run_tasks()
    assert _recipients() == [{order.buyer.email}]


def test_public_message_mails_the_other_party(
    django_capture_on_commit_callbacks: Any, run_tasks: Any
) -> None:
    dispute = make_dispute()
    run_tasks()  # the set-up's own mails leave first
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.message_post(
            actor=dispute.seller, dispute_id=dispute.pk, body="Shipped on Monday."
        )
    run_tasks()
    assert _recipients() == [{dispute.buyer.email}]
    assert "Shipped on Monday." in mail.outbox[0].body


def test_staff_public_message_mails_both_parties(
    staff: User, django_capture_on_commit_callbacks: Any, run_tasks: Any
) -> None:
    dispute = make_dispute(staff=staff)
    run_tasks()  # the set-up's own mails leave first
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.message_post(actor=staff, dispute_id=dispute.pk, body="Please send photos.")
    run_tasks()
    # Thread activity is batched per party, so each party gets its own mail.
    assert _recipients() == [{dispute.buyer.email}, {dispute.seller.email}]


def test_internal_note_never_mails_anyone(
    staff: User, django_capture_on_commit_callbacks: Any, run_tasks: Any
) -> None:
    dispute = make_dispute(staff=staff)
    run_tasks()  # the set-up's own mails leave first
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.message_post(
            actor=staff, dispute_id=dispute.pk, body="Seller looks fishy.", visibility="internal"
        )
    run_tasks()
    assert callbacks == []
    assert mail.outbox == []


@pytest.mark.parametrize("outcome", ["won", "lost", None])
def test_decision_mails_both_parties(
    staff: User, outcome: str | None, django_capture_on_commit_callbacks: Any, run_tasks: Any
) -> None:
    dispute = make_dispute(staff=staff)
    run_tasks()  # the set-up's own mails leave first
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        _close(dispute, staff, outcome=outcome, resolution="Refund half, keep the item.")
    run_tasks()
    assert _recipients() == [{dispute.buyer.email, dispute.seller.email}]
    assert "Refund half, keep the item." in mail.outbox[0].body


def test_withdraw_mails_the_other_party(
    django_capture_on_commit_callbacks: Any, run_tasks: Any
) -> None:
    dispute = make_dispute()
    run_tasks()  # the set-up's own mails leave first
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.dispute_withdraw(actor=dispute.buyer, dispute_id=dispute.pk)
    run_tasks()
    assert _recipients() == [{dispute.seller.email}]


def test_expiry_mails_both_parties(django_capture_on_commit_callbacks: Any, run_tasks: Any) -> None:
    dispute = make_overdue(make_dispute())
    run_tasks()  # the set-up's own mails leave first
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.disputes_expire()
    run_tasks()
    assert _recipients() == [{dispute.buyer.email, dispute.seller.email}]


def test_refused_call_sends_no_mail(
    stranger: User, django_capture_on_commit_callbacks: Any, run_tasks: Any
) -> None:
    dispute = make_dispute()
    run_tasks()  # the set-up's own mails leave first
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(NotAllowed):
            services.message_post(actor=stranger, dispute_id=dispute.pk, body="Hi")
    run_tasks()
    assert callbacks == [] and mail.outbox == []
    assert not Message.objects.filter(author=stranger).exists()


# --- the database backs the rules -----------------------------------------------------------------


def _raw_copy(dispute: Dispute, **changes: Any) -> None:
    row: dict[str, Any] = dict(Dispute.objects.filter(pk=dispute.pk).values().get())
    del row["id"], row["provider_dispute_id"]
    row.update(changes)
    with transaction.atomic():
        Dispute.objects.create(**row)


def test_database_refuses_a_second_open_dispute_on_an_order() -> None:
    dispute = make_dispute()
    with pytest.raises(IntegrityError):
        _raw_copy(dispute, status="under_review")
    _raw_copy(dispute, status="won")


@pytest.mark.parametrize(
    "changes",
    [
        {"status": "reopened"},
        {"kind": "refund", "status": "won"},
        {"amount": Decimal("0"), "status": "won"},
        {"amount": Decimal("100.01"), "status": "won"},
        {"refund_amount": Decimal("-1"), "status": "lost"},
        {"refund_amount": Decimal("100.01"), "status": "lost"},
        {"fee": Decimal("-0.01"), "status": "won"},
    ],
    ids=str,
)
def test_database_refuses_impossible_rows(changes: dict[str, Any]) -> None:
    dispute = make_dispute()
    with pytest.raises(IntegrityError):
        _raw_copy(dispute, **changes)
