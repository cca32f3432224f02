from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest
from django.test import Client

from accounts.models import User
from disputes.models import Dispute, DisputeStatus
from orders.models import Order
from tests.factories import make_dispute, make_order

pytestmark = pytest.mark.django_db

PageFor = Callable[[User | None], Client]

VALID = {
    "reason_code": "product_not_received",
    "reason": "The parcel never arrived at my address.",
    "amount": "",
}


def url(order: Order) -> str:
    return f"/orders/{order.pk}/"


def open_url(order: Order) -> str:
    """Opening a dispute is a disputes page; the order page embeds its form."""
    return f"/disputes/orders/{order.pk}/open/"


@pytest.mark.parametrize("path", ["/orders/", "/orders/{id}/", "/disputes/orders/{id}/open/"])
def test_anonymous_is_sent_to_login(page_for: PageFor, order: Order, path: str) -> None:
    target = path.format(id=order.pk)
    response = page_for(None).get(target)
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={target}"


@pytest.mark.parametrize(
    ("who", "status"), [("buyer", 200), ("seller", 200), ("stranger", 404), ("staff", 404)]
)
def test_order_page_is_for_the_parties_only(
    page_for: PageFor, actors: dict[str, User | None], order: Order, who: str, status: int
) -> None:
    assert page_for(actors[who]).get(url(order)).status_code == status


@pytest.mark.parametrize(
    ("who", "status"), [("buyer", 200), ("seller", 200), ("stranger", 404), ("staff", 404)]
)
def test_open_dispute_page_is_for_the_parties_only(
    page_for: PageFor, actors: dict[str, User | None], order: Order, who: str, status: int
) -> None:
    assert page_for(actors[who]).get(open_url(order)).status_code == status


def test_open_dispute_page_works_without_the_order_page(
    page_for: PageFor, buyer: User, order: Order
) -> None:
    html = page_for(buyer).get(open_url(order)).content.decode()
    assert html.count("<h1") == 1
    assert f'action="{open_url(order)}"' in html
    assert '<label for="id_reason">' in html


def test_the_order_page_only_reads(page_for: PageFor, buyer: User, order: Order) -> None:
    assert page_for(buyer).post(url(order), VALID).status_code == 405
    assert not Dispute.objects.exists()


def test_stranger_cannot_open_a_dispute(page_for: PageFor, stranger: User, order: Order) -> None:
    assert page_for(stranger).post(open_url(order), VALID).status_code == 404
    assert not Dispute.objects.exists()


def test_order_list_shows_bought_and_sold_orders_only(
    page_for: PageFor, buyer: User, seller: User, stranger: User
) -> None:
    bought = make_order(buyer=buyer, seller=seller)
    sold = make_order(buyer=stranger, seller=buyer)
    foreign = make_order(buyer=stranger, seller=seller)
    make_dispute(order=bought)
    html = page_for(buyer).get("/orders/").content.decode()
    assert f"Order #{bought.pk}:" in html
    assert f"Order #{sold.pk}:" in html
    assert f"Order #{foreign.pk}:" not in html
    assert "Open dispute" in html


def test_order_page_offers_the_open_dispute_form(
    page_for: PageFor, buyer: User, order: Order
) -> None:
    html = page_for(buyer).get(url(order)).content.decode()
    assert html.count("<h1") == 1
    for name in ('name="reason_code"', 'name="reason"', 'name="amount"', "csrfmiddlewaretoken"):
        assert name in html
    assert '<label for="id_reason">' in html
    assert "Amount in dispute (EUR)" in html
    assert f'action="{open_url(order)}"' in html


def test_opening_a_dispute_redirects_to_its_thread(
    page_for: PageFor, buyer: User, order: Order
) -> None:
    client = page_for(buyer)
    response = client.post(open_url(order), {**VALID, "amount": "40.50"})
    assert response.status_code == 302
    dispute = Dispute.objects.get(order=order)
    assert response["Location"] == f"/disputes/{dispute.pk}/"
    assert dispute.opened_by == buyer
    assert dispute.amount == Decimal("40.50")
    assert dispute.reason_code == "product_not_received"
    assert "Your dispute is open." in client.get(response["Location"]).content.decode()


def test_empty_amount_disputes_the_full_price(
    page_for: PageFor, seller: User, order: Order
) -> None:
    assert page_for(seller).post(open_url(order), VALID).status_code == 302
    assert Dispute.objects.get(order=order).amount == order.final_price


def test_too_short_reason_shows_an_error_next_to_the_field(
    page_for: PageFor, buyer: User, order: Order
) -> None:
    response = page_for(buyer).post(open_url(order), {**VALID, "reason": "bad"})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="id_reason_error"' in html
    assert "At least 10 characters." in html
    # What the user typed is kept.
    assert "\nbad</textarea>" in html
    assert not Dispute.objects.exists()


def test_amount_above_the_price_shows_an_error_next_to_the_field(
    page_for: PageFor, buyer: User, order: Order
) -> None:
    response = page_for(buyer).post(open_url(order), {**VALID, "amount": "100.01"})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="id_amount_error"' in html
    assert f"At most {order.final_price}." in html
    assert not Dispute.objects.exists()


@pytest.mark.parametrize(
    ("amount", "message"),
    [("0", "Must be more than zero."), ("1.234", "At most two decimals."), ("ten", "number")],
)
def test_bad_amounts_are_refused_next_to_the_field(
    page_for: PageFor, buyer: User, order: Order, amount: str, message: str
) -> None:
    response = page_for(buyer).post(open_url(order), {**VALID, "amount": amount})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Dispute.objects.exists()


def test_unknown_reason_code_is_refused(page_for: PageFor, buyer: User, order: Order) -> None:
    response = page_for(buyer).post(open_url(order), {**VALID, "reason_code": "bogus"})
    assert response.status_code == 400
    assert 'id="id_reason_code_error"' in response.content.decode()


def test_order_with_an_open_dispute_links_to_it_instead_of_the_form(
    page_for: PageFor, buyer: User, order: Order
) -> None:
    dispute = make_dispute(order=order)
    html = page_for(buyer).get(url(order)).content.decode()
    assert f'href="/disputes/{dispute.pk}/"' in html
    assert 'name="reason"' not in html


def test_second_open_dispute_is_refused_with_an_error(
    page_for: PageFor, buyer: User, seller: User, order: Order
) -> None:
    client = page_for(buyer)
    assert 'name="reason"' in client.get(url(order)).content.decode()
    make_dispute(order=order, opener="seller")  # the other party was quicker
    response = client.post(open_url(order), VALID)
    assert response.status_code == 400
    html = response.content.decode()
    assert 'role="alert"' in html
    assert "already has an open dispute" in html
    assert Dispute.objects.filter(order=order).count() == 1


def test_a_new_dispute_may_be_opened_once_the_last_is_closed(
    page_for: PageFor, buyer: User, order: Order
) -> None:
    old = make_dispute(order=order, state=DisputeStatus.CLOSED)
    client = page_for(buyer)
    html = client.get(url(order)).content.decode()
    assert f'href="/disputes/{old.pk}/"' in html
    assert 'name="reason"' in html
    assert client.post(open_url(order), VALID).status_code == 302
    assert Dispute.objects.filter(order=order).count() == 2


def test_reason_with_script_is_stored_as_text_and_escaped(
    page_for: PageFor, buyer: User, order: Order
) -> None:
    client = page_for(buyer)
    response = client.post(
        open_url(order), {**VALID, "reason": "<script>alert(1)</script> no parcel"}
    )
    html = client.get(response["Location"]).content.decode()
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; no parcel" in html


def test_reason_code_must_be_chosen(page_for: PageFor, buyer: User, order: Order) -> None:
    response = page_for(buyer).post(open_url(order), {**VALID, "reason_code": ""})
    assert response.status_code == 400
    assert "Choose what went wrong." in response.content.decode()
    assert not Dispute.objects.exists()
