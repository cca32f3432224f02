"""List endpoints: pagination style, both path forms, and a query count independent of rows."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from accounts.models import User
from tests.assertions import assert_error
from tests.factories import ItemFactory, StoreFactory, make_dispute, make_order

pytestmark = pytest.mark.django_db

Client = Callable[..., APIClient]


def count_queries(client: APIClient, path: str, rows: int) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path)
    assert response.status_code == 200
    assert len(response.json()) == rows
    return len(ctx.captured_queries)


def test_item_list_query_count_does_not_grow_with_rows(client_for: Client, buyer: User) -> None:
    client = client_for(buyer)
    ItemFactory.create()
    one = count_queries(client, "/api/items", 1)
    for _ in range(19):
        ItemFactory.create(store=StoreFactory.create())
    assert count_queries(client, "/api/items", 20) == one


def test_order_list_query_count_does_not_grow_with_rows(client_for: Client, buyer: User) -> None:
    client = client_for(buyer)
    make_dispute(order=make_order(buyer=buyer))
    one = count_queries(client, "/api/orders", 1)
    for n in range(19):
        order = make_order(buyer=buyer)
        if n % 3 == 0:
            make_dispute(order=order)
    assert count_queries(client, "/api/orders", 20) == one


@pytest.mark.parametrize("path", ["/api/orders", "/api/orders/"])
def test_order_list_answers_both_path_forms(client_for: Client, buyer: User, path: str) -> None:
    order = make_order(buyer=buyer)
    response = client_for(buyer).get(path)
    assert response.status_code == 200
    assert [row["id"] for row in response.json()] == [order.pk]


@pytest.mark.parametrize("path", ["/api/orders", "/api/orders/"])
def test_order_create_answers_both_path_forms_without_redirect(
    client_for: Client, buyer: User, path: str
) -> None:
    item = ItemFactory.create()
    response = client_for(buyer).post(path, {"itemId": item.pk})
    assert response.status_code == 201


@pytest.mark.parametrize("suffix", ["", "/"])
def test_order_detail_and_status_answer_both_path_forms(
    client_for: Client, seller: User, buyer: User, suffix: str
) -> None:
    order = make_order(buyer=buyer, seller=seller)
    client = client_for(seller)
    assert client.get(f"/api/orders/{order.pk}{suffix}").status_code == 200
    response = client.patch(f"/api/orders/{order.pk}/status{suffix}", {"status": "IN_PROGRESS"})
    assert response.status_code == 200


def test_list_body_is_a_bare_array_with_page_headers(client_for: Client, buyer: User) -> None:
    ItemFactory.create()
    response = client_for(buyer).get("/api/items")
    assert isinstance(response.json(), list)
    assert response["X-Page"] == "1"
    assert response["X-Page-Size"] == "50"
    assert "Link" not in response


def test_link_header_announces_next_page_only_when_more_rows(
    client_for: Client, buyer: User
) -> None:
    store = StoreFactory.create()
    items = [ItemFactory.create(store=store) for _ in range(3)]
    client = client_for(buyer)

    first = client.get("/api/items?pageSize=2")
    assert [row["id"] for row in first.json()] == [items[2].pk, items[1].pk]
    assert 'rel="next"' in first["Link"]
    assert "page=2" in first["Link"]

    second = client.get("/api/items?pageSize=2&page=2")
    assert [row["id"] for row in second.json()] == [items[0].pk]
    assert 'rel="next"' not in second["Link"]
    assert 'rel="prev"' in second["Link"]

    exact = client.get("/api/items?pageSize=3")
    assert len(exact.json()) == 3
    assert "Link" not in exact


def test_page_past_the_end_is_an_empty_array(client_for: Client, buyer: User) -> None:
    ItemFactory.create()
    response = client_for(buyer).get("/api/items?page=9")
    assert response.status_code == 200
    assert response.json() == []


@pytest.mark.parametrize(
    "query", ["pageSize=0", "pageSize=101", "pageSize=x", "page=0", "page=-1", "page=two"]
)
@pytest.mark.parametrize("path", ["/api/items", "/api/orders"])
def test_bad_paging_parameters_are_400(
    client_for: Client, buyer: User, path: str, query: str
) -> None:
    body = assert_error(client_for(buyer).get(f"{path}?{query}"), 400, "validation_error")
    assert query.split("=")[0] in body["details"]


def test_page_size_bounds_are_inclusive(client_for: Client, buyer: User) -> None:
    client = client_for(buyer)
    assert client.get("/api/items?pageSize=1").status_code == 200
    assert client.get("/api/items?pageSize=100").status_code == 200


@pytest.mark.parametrize("path", ["/api/items", "/api/orders"])
@pytest.mark.parametrize("page", ["1000000001", "99999999999999999999", "9" * 5000])
def test_absurd_page_number_is_400_not_a_database_error(
    client_for: Client, buyer: User, path: str, page: str
) -> None:
    body = assert_error(client_for(buyer).get(f"{path}?page={page}"), 400, "validation_error")
    assert "page" in body["details"]


def test_last_allowed_page_is_an_empty_array(client_for: Client, buyer: User) -> None:
    response = client_for(buyer).get("/api/orders?page=1000000000&pageSize=100")
    assert response.status_code == 200
    assert response.json() == []
