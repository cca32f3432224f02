"""Role-by-endpoint table for items and orders (docs/design.md §5, §6).

Every row names who calls, what they call and the status they must get. The order under test is
bought by `buyer` from `seller`; `stranger` is neither; `staff` is support staff and no party.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from rest_framework.test import APIClient

from accounts.models import User
from orders.models import Order, OrderStatus
from tests.assertions import assert_error

pytestmark = pytest.mark.django_db

MISSING = 999_999


def expect(status: int, client: APIClient, method: str, path: str, body: Any = None) -> Any:
    response = getattr(client, method)(path, body, format="json")
    if status >= 400:
        assert_error(response, status)
    else:
        assert response.status_code == status, response.content
    return response


@pytest.mark.parametrize(
    ("role", "status"),
    [("anonymous", 401), ("buyer", 200), ("seller", 200), ("stranger", 200), ("staff", 200)],
)
def test_item_list(
    client_for: Callable[..., APIClient],
    actors: dict[str, User | None],
    order: Order,
    role: str,
    status: int,
) -> None:
    response = expect(status, client_for(actors[role]), "get", "/api/items")
    if status == 200:
        assert [row["id"] for row in response.json()] == [order.item_id]


@pytest.mark.parametrize(
    ("role", "status"),
    [("anonymous", 401), ("buyer", 201), ("seller", 201), ("stranger", 201), ("staff", 201)],
)
def test_item_create(
    client_for: Callable[..., APIClient], actors: dict[str, User | None], role: str, status: int
) -> None:
    body = {"title": "Desk lamp", "basePrice": "59.00"}
    response = expect(status, client_for(actors[role]), "post", "/api/items", body)
    if status == 201:
        user = actors[role]
        assert user is not None
        assert response.json()["creatorId"] == user.pk


@pytest.mark.parametrize(
    ("role", "status"),
    [("anonymous", 401), ("buyer", 200), ("seller", 200), ("stranger", 200), ("staff", 200)],
)
def test_item_retrieve(
    client_for: Callable[..., APIClient],
    actors: dict[str, User | None],
    order: Order,
    role: str,
    status: int,
) -> None:
    expect(status, client_for(actors[role]), "get", f"/api/items/{order.item_id}")


@pytest.mark.parametrize(
    ("role", "status"),
    [("anonymous", 401), ("buyer", 404), ("seller", 404), ("stranger", 404), ("staff", 404)],
)
def test_item_retrieve_missing(
    client_for: Callable[..., APIClient], actors: dict[str, User | None], role: str, status: int
) -> None:
    expect(status, client_for(actors[role]), "get", f"/api/items/{MISSING}")


@pytest.mark.parametrize(
    ("role", "status", "sees_order"),
    [
        ("anonymous", 401, False),
        ("buyer", 200, True),
        ("seller", 200, True),
        ("stranger", 200, False),
        # Staff read any order by id, but "my orders" lists only their own purchases and sales.
        ("staff", 200, False),
    ],
)
def test_order_list(
    client_for: Callable[..., APIClient],
    actors: dict[str, User | None],
    order: Order,
    role: str,
    status: int,
    sees_order: bool,
) -> None:
    response = expect(status, client_for(actors[role]), "get", "/api/orders")
    if status == 200:
        assert [row["id"] for row in response.json()] == ([order.pk] if sees_order else [])


@pytest.mark.parametrize(
    ("role", "status"),
    [("anonymous", 401), ("buyer", 201), ("seller", 400), ("stranger", 201), ("staff", 201)],
)
def test_order_create(
    client_for: Callable[..., APIClient],
    actors: dict[str, User | None],
    order: Order,
    role: str,
    status: int,
) -> None:
    response = expect(
        status, client_for(actors[role]), "post", "/api/orders", {"itemId": order.item_id}
    )
    if status == 400:
        assert response.json()["code"] == "own_item"
    if status == 201:
        user = actors[role]
        assert user is not None
        assert response.json()["buyerId"] == user.pk


@pytest.mark.parametrize(
    ("role", "status"),
    [("anonymous", 401), ("buyer", 200), ("seller", 200), ("stranger", 403), ("staff", 200)],
)
def test_order_retrieve(
    client_for: Callable[..., APIClient],
    actors: dict[str, User | None],
    order: Order,
    role: str,
    status: int,
) -> None:
    expect(status, client_for(actors[role]), "get", f"/api/orders/{order.pk}")


@pytest.mark.parametrize(
    ("role", "status"),
    [("anonymous", 401), ("buyer", 404), ("seller", 404), ("stranger", 404), ("staff", 404)],
)
def test_order_retrieve_missing(
    client_for: Callable[..., APIClient], actors: dict[str, User | None], role: str, status: int
) -> None:
    expect(status, client_for(actors[role]), "get", f"/api/orders/{MISSING}")


@pytest.mark.parametrize(
    ("role", "target", "status"),
    [
        ("anonymous", OrderStatus.IN_PROGRESS, 401),
        ("buyer", OrderStatus.IN_PROGRESS, 403),
        ("buyer", OrderStatus.COMPLETED, 403),
        ("buyer", OrderStatus.CANCELLED, 200),
        ("seller", OrderStatus.IN_PROGRESS, 200),
        ("seller", OrderStatus.COMPLETED, 200),
        ("seller", OrderStatus.CANCELLED, 200),
        ("stranger", OrderStatus.IN_PROGRESS, 403),
        ("stranger", OrderStatus.CANCELLED, 403),
        ("staff", OrderStatus.IN_PROGRESS, 200),
        ("staff", OrderStatus.COMPLETED, 200),
        ("staff", OrderStatus.CANCELLED, 200),
    ],
)
def test_order_set_status(
    client_for: Callable[..., APIClient],
    actors: dict[str, User | None],
    order: Order,
    role: str,
    target: str,
    status: int,
) -> None:
    response = expect(
        status,
        client_for(actors[role]),
        "patch",
        f"/api/orders/{order.pk}/status",
        {"status": target},
    )
    order.refresh_from_db()
    if status == 200:
        assert response.json()["status"] == target == order.status
    else:
        assert order.status == OrderStatus.PENDING


@pytest.mark.parametrize(
    ("role", "status"),
    [("anonymous", 401), ("buyer", 404), ("seller", 404), ("stranger", 404), ("staff", 404)],
)
def test_order_set_status_missing(
    client_for: Callable[..., APIClient], actors: dict[str, User | None], role: str, status: int
) -> None:
    expect(
        status,
        client_for(actors[role]),
        "patch",
        f"/api/orders/{MISSING}/status",
        {"status": OrderStatus.CANCELLED},
    )
