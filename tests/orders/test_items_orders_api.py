"""Items and orders through the API: shapes, creation rules and status moves."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from accounts.models import User
from disputes import services as dispute_services
from disputes.models import DisputeStatus
from orders.models import Item, Order, OrderStatus, Store
from tests.assertions import assert_error
from tests.echo.helpers import exact, money
from tests.factories import ItemFactory, StoreFactory, make_dispute, make_order

pytestmark = pytest.mark.django_db

ITEM_KEYS = {
    "id",
    "title",
    "description",
    "basePrice",
    "currency",
    "creatorId",
    "creatorUsername",
    "storeId",
}
ORDER_KEYS = {
    "id",
    "buyerId",
    "itemId",
    "finalPrice",
    "currency",
    "status",
    "transactionId",
    "buyerUsername",
    "itemTitle",
    "creatorId",
    "creatorUsername",
    "hasOpenDispute",
}

Client = Callable[..., APIClient]


# Items ---------------------------------------------------------------------------------------


def test_first_listing_creates_the_sellers_store(client_for: Client, seller: User) -> None:
    assert not Store.objects.filter(owner=seller).exists()
    response = client_for(seller).post(
        "/api/items",
        {"title": "Teapot", "description": "Stoneware.", "basePrice": "45.00", "currency": "USD"},
    )
    assert response.status_code == 201
    body = exact(response)
    assert set(body) == ITEM_KEYS
    assert money(body["basePrice"]) == "45.00"
    store = Store.objects.get(owner=seller)
    assert body == {
        "id": body["id"],
        "title": "Teapot",
        "description": "Stoneware.",
        "basePrice": body["basePrice"],
        "currency": "USD",
        "creatorId": seller.pk,
        "creatorUsername": seller.username,
        "storeId": store.pk,
    }


def test_second_listing_reuses_the_store(client_for: Client, seller: User) -> None:
    client = client_for(seller)
    first = client.post("/api/items", {"title": "A", "basePrice": 10}).json()
    second = client.post("/api/items", {"title": "B", "basePrice": 12.5}).json()
    assert first["storeId"] == second["storeId"]
    assert second["basePrice"] == 12.5
    assert second["currency"] == "EUR"
    assert Store.objects.filter(owner=seller).count() == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"basePrice": "10.00"}, "title"),
        ({"title": "X"}, "basePrice"),
        ({"title": "X", "basePrice": "0"}, "basePrice"),
        ({"title": "X", "basePrice": "-5"}, "basePrice"),
        ({"title": "X", "basePrice": "ten"}, "basePrice"),
        ({"title": "X", "basePrice": "1.234"}, "basePrice"),
        ({"title": "X", "basePrice": True}, "basePrice"),
        ({"title": "X", "basePrice": "1", "currency": "eur"}, "currency"),
        ({"title": "X", "basePrice": "1", "storeId": 3}, "storeId"),
        ({"title": "", "basePrice": "1"}, "title"),
    ],
)
def test_item_create_refuses_bad_input(
    client_for: Client, seller: User, body: dict[str, object], field: str
) -> None:
    response = client_for(seller).post("/api/items", body, format="json")
    assert field in assert_error(response, 400, "validation_error")["details"]
    assert not Item.objects.exists()


def test_item_retrieve_shape(client_for: Client, buyer: User) -> None:
    item = ItemFactory.create(base_price=Decimal("7.50"))
    response = client_for(buyer).get(f"/api/items/{item.pk}")
    body = exact(response)
    assert set(body) == ITEM_KEYS
    assert money(body["basePrice"]) == "7.50"
    assert body["creatorId"] == item.store.owner_id


def test_item_with_non_numeric_id_is_404(client_for: Client, buyer: User) -> None:
    assert_error(client_for(buyer).get("/api/items/abc"), 404)


# Orders --------------------------------------------------------------------------------------


def test_order_create_defaults_final_price_to_item_price(
    client_for: Client, buyer: User, seller: User
) -> None:
    item = ItemFactory.create(store=StoreFactory.create(owner=seller), base_price=Decimal("80.00"))
    response = client_for(buyer).post("/api/orders", {"itemId": item.pk})
    assert response.status_code == 201
    body = response.json()
    assert ORDER_KEYS <= set(body)
    assert money(exact(response)["finalPrice"]) == "80.00"
    assert body["currency"] == item.currency
    assert body["status"] == "PENDING"
    assert body["buyerId"] == buyer.pk
    assert body["buyerUsername"] == buyer.username
    assert body["creatorId"] == seller.pk
    assert body["creatorUsername"] == seller.username
    assert body["itemTitle"] == item.title
    assert body["hasOpenDispute"] is False
    assert body["transactionId"]
    order = Order.objects.get(pk=body["id"])
    assert order.seller_id == seller.pk
    assert order.transaction_id == body["transactionId"]


def test_order_create_with_agreed_price(client_for: Client, buyer: User) -> None:
    item = ItemFactory.create(base_price=Decimal("80.00"))
    response = client_for(buyer).post("/api/orders", {"itemId": item.pk, "finalPrice": "65.5"})
    assert response.status_code == 201
    assert money(exact(response)["finalPrice"]) == "65.50"


def test_each_order_gets_a_unique_transaction_id(client_for: Client, buyer: User) -> None:
    item = ItemFactory.create()
    client = client_for(buyer)
    ids = {
        client.post("/api/orders", {"itemId": item.pk}).json()["transactionId"] for _ in range(5)
    }
    assert len(ids) == 5


def test_cannot_order_own_item(client_for: Client, seller: User) -> None:
    item = ItemFactory.create(store=StoreFactory.create(owner=seller))
    body = assert_error(
        client_for(seller).post("/api/orders", {"itemId": item.pk}), 400, "own_item"
    )
    assert "itemId" in body["details"]
    assert not Order.objects.exists()


def test_ordering_unknown_item_is_404(client_for: Client, buyer: User) -> None:
    assert_error(client_for(buyer).post("/api/orders", {"itemId": 999_999}), 404)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "itemId"),
        ({"itemId": "abc"}, "itemId"),
        ({"itemId": 0}, "itemId"),
        ({"itemId": 1, "finalPrice": "0"}, "finalPrice"),
        ({"itemId": 1, "finalPrice": "-1"}, "finalPrice"),
        ({"itemId": 1, "status": "COMPLETED"}, "status"),
        ({"itemId": 1, "buyerId": 1}, "buyerId"),
    ],
)
def test_order_create_refuses_bad_input(
    client_for: Client, buyer: User, body: dict[str, object], field: str
) -> None:
    item = ItemFactory.create()
    if body.get("itemId") == 1:
        body = {**body, "itemId": item.pk}
    response = client_for(buyer).post("/api/orders", body, format="json")
    assert field in assert_error(response, 400)["details"]
    assert not Order.objects.exists()


def test_order_list_filters_by_status(client_for: Client, buyer: User) -> None:
    pending = make_order(buyer=buyer)
    cancelled = make_order(buyer=buyer)
    Order.objects.filter(pk=cancelled.pk).update(status=OrderStatus.CANCELLED)
    client = client_for(buyer)
    assert [o["id"] for o in client.get("/api/orders?status=PENDING").json()] == [pending.pk]
    both = client.get("/api/orders?status=PENDING&status=CANCELLED").json()
    assert {o["id"] for o in both} == {pending.pk, cancelled.pk}


def test_order_list_unknown_status_filter_is_400(client_for: Client, buyer: User) -> None:
    assert (
        "status" in assert_error(client_for(buyer).get("/api/orders?status=LOST"), 400)["details"]
    )


def test_order_list_is_newest_first_and_orderable(client_for: Client, buyer: User) -> None:
    cheap = make_order(buyer=buyer, base_price=Decimal("5.00"))
    dear = make_order(buyer=buyer, base_price=Decimal("500.00"))
    client = client_for(buyer)
    assert [o["id"] for o in client.get("/api/orders").json()] == [dear.pk, cheap.pk]
    by_price = client.get("/api/orders?ordering=final_price").json()
    assert [o["id"] for o in by_price] == [cheap.pk, dear.pk]


# Status rules --------------------------------------------------------------------------------


@pytest.mark.parametrize("final", [OrderStatus.COMPLETED, OrderStatus.CANCELLED])
@pytest.mark.parametrize("target", OrderStatus.values)
def test_terminal_order_cannot_move(
    client_for: Client, order: Order, seller: User, final: str, target: str
) -> None:
    Order.objects.filter(pk=order.pk).update(status=final)
    response = client_for(seller).patch(f"/api/orders/{order.pk}/status", {"status": target})
    assert_error(response, 409, "order_transition_not_allowed")
    order.refresh_from_db()
    assert order.status == final


def test_in_progress_cannot_go_back_to_pending(
    client_for: Client, order: Order, staff: User
) -> None:
    client = client_for(staff)
    assert (
        client.patch(f"/api/orders/{order.pk}/status", {"status": "IN_PROGRESS"}).status_code == 200
    )
    assert_error(client.patch(f"/api/orders/{order.pk}/status", {"status": "PENDING"}), 409)


def test_buyer_cannot_cancel_a_completed_order(
    client_for: Client, order: Order, buyer: User
) -> None:
    Order.objects.filter(pk=order.pk).update(status=OrderStatus.COMPLETED)
    response = client_for(buyer).patch(f"/api/orders/{order.pk}/status", {"status": "CANCELLED"})
    assert_error(response, 409)


@pytest.mark.parametrize("body", [{"status": "SHIPPED"}, {}, {"status": "CANCELLED", "x": 1}])
def test_status_body_is_validated(
    client_for: Client, order: Order, seller: User, body: dict[str, object]
) -> None:
    response = client_for(seller).patch(f"/api/orders/{order.pk}/status", body, format="json")
    assert_error(response, 400, "validation_error")


def test_completion_refused_while_a_dispute_is_open(
    client_for: Client, order: Order, seller: User
) -> None:
    make_dispute(order=order)
    response = client_for(seller).patch(f"/api/orders/{order.pk}/status", {"status": "COMPLETED"})
    assert_error(response, 409, "order_has_open_dispute")
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING


def test_open_dispute_does_not_block_cancelling_or_progress(
    client_for: Client, order: Order, seller: User
) -> None:
    make_dispute(order=order, state=DisputeStatus.UNDER_REVIEW)
    response = client_for(seller).patch(f"/api/orders/{order.pk}/status", {"status": "IN_PROGRESS"})
    assert response.status_code == 200
    assert response.json()["hasOpenDispute"] is True


@pytest.mark.parametrize("state", [DisputeStatus.WON, DisputeStatus.LOST, DisputeStatus.CLOSED])
def test_completion_allowed_once_the_dispute_is_decided(
    client_for: Client, order: Order, seller: User, state: str
) -> None:
    make_dispute(order=order, state=state)
    response = client_for(seller).patch(f"/api/orders/{order.pk}/status", {"status": "COMPLETED"})
    assert response.status_code == 200
    assert response.json()["hasOpenDispute"] is False


def test_has_open_dispute_follows_the_dispute_live(
    client_for: Client, order: Order, buyer: User, staff: User
) -> None:
    client = client_for(buyer)
    assert client.get(f"/api/orders/{order.pk}").json()["hasOpenDispute"] is False
    dispute = make_dispute(order=order)
    assert client.get(f"/api/orders/{order.pk}").json()["hasOpenDispute"] is True
    assert client.get("/api/orders").json()[0]["hasOpenDispute"] is True
    dispute_services.dispute_close(actor=staff, dispute_id=dispute.pk, resolution="Settled.")
    assert client.get(f"/api/orders/{order.pk}").json()["hasOpenDispute"] is False
    assert client.get("/api/orders").json()[0]["hasOpenDispute"] is False
