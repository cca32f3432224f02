"""Role x endpoint table for the party API (docs/design.md §5, §6): anonymous, buyer, seller,
stranger, staff against every dispute endpoint, plus the 404 paths for missing ids."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from rest_framework.test import APIClient

from accounts.models import User
from disputes.models import Dispute, DisputeStatus
from orders.models import Order
from tests.assertions import assert_error
from tests.disputes.helpers import REASON
from tests.factories import make_dispute, make_order

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "buyer", "seller", "stranger", "staff")

# endpoint -> (method, path template, body, {role: status})
ENDPOINTS: dict[str, tuple[str, str, Any, dict[str, int]]] = {
    "open": (
        "post",
        "/api/disputes",
        {"orderId": "{fresh_order}", "reason": REASON},
        {"anonymous": 401, "buyer": 201, "seller": 201, "stranger": 403, "staff": 403},
    ),
    "detail": (
        "get",
        "/api/disputes/{id}",
        None,
        {"anonymous": 401, "buyer": 200, "seller": 200, "stranger": 403, "staff": 200},
    ),
    "for_order": (
        "get",
        "/api/disputes/order/{order}",
        None,
        {"anonymous": 401, "buyer": 200, "seller": 200, "stranger": 403, "staff": 200},
    ),
    "my_disputes": (
        "get",
        "/api/disputes/user/my-disputes",
        None,
        {"anonymous": 401, "buyer": 200, "seller": 200, "stranger": 200, "staff": 200},
    ),
    "open_list": (
        "get",
        "/api/disputes/open",
        None,
        {"anonymous": 401, "buyer": 200, "seller": 200, "stranger": 200, "staff": 200},
    ),
    "list": (
        "get",
        "/api/disputes",
        None,
        {"anonymous": 401, "buyer": 200, "seller": 200, "stranger": 200, "staff": 200},
    ),
    "messages": (
        "get",
        "/api/disputes/{id}/messages",
        None,
        {"anonymous": 401, "buyer": 200, "seller": 200, "stranger": 403, "staff": 200},
    ),
    "post_message": (
        "post",
        "/api/disputes/{id}/messages",
        {"message": "Here is what happened."},
        {"anonymous": 401, "buyer": 201, "seller": 201, "stranger": 403, "staff": 201},
    ),
    "withdraw": (
        "post",
        "/api/disputes/{id}/withdraw",
        {},
        {"anonymous": 401, "buyer": 200, "seller": 403, "stranger": 403, "staff": 403},
    ),
    "close": (
        "patch",
        "/api/disputes/{id}/close",
        {"resolution": "Refunded in full.", "outcome": "lost"},
        {"anonymous": 401, "buyer": 403, "seller": 403, "stranger": 403, "staff": 200},
    ),
    "take_up": (
        "post",
        "/api/disputes/{id}/take-up",
        {},
        {"anonymous": 401, "buyer": 403, "seller": 403, "stranger": 403, "staff": 200},
    ),
}

# What each role finds in each list when one dispute (buyer opened) exists.
LIST_SIZES = {
    "my_disputes": {"buyer": 1, "seller": 1, "stranger": 0, "staff": 0},
    "open_list": {"buyer": 1, "seller": 1, "stranger": 0, "staff": 1},
    "list": {"buyer": 1, "seller": 1, "stranger": 0, "staff": 1},
}

EXPECTED_STATE = {
    "withdraw": DisputeStatus.CLOSED,
    "close": DisputeStatus.LOST,
    "take_up": DisputeStatus.UNDER_REVIEW,
}


def _fill(template: Any, values: dict[str, Any]) -> Any:
    if isinstance(template, str):
        return template.format(**values)
    if isinstance(template, dict):
        filled = {k: _fill(v, values) for k, v in template.items()}
        if filled.get("orderId", "").isdigit():
            filled["orderId"] = int(filled["orderId"])
        return filled
    return template


def _call(client: APIClient, method: str, path: str, body: Any) -> Any:
    if body is None:
        return getattr(client, method)(path)
    return getattr(client, method)(path, body, format="json")


@pytest.fixture
def world(actors: dict[str, User | None], order: Order, staff: User) -> dict[str, Any]:
    dispute = make_dispute(order=order, staff=staff)
    fresh = make_order(buyer=order.buyer, seller=order.seller)
    return {"dispute": dispute, "order": order, "fresh": fresh, "actors": actors}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", list(ENDPOINTS))
def test_role_endpoint_table(
    endpoint: str, role: str, world: dict[str, Any], client_for: Callable[..., APIClient]
) -> None:
    method, template, body, statuses = ENDPOINTS[endpoint]
    dispute: Dispute = world["dispute"]
    values = {"id": dispute.pk, "order": world["order"].pk, "fresh_order": world["fresh"].pk}
    before = Dispute.objects.filter(pk=dispute.pk).values().get()
    response = _call(
        client_for(world["actors"][role]), method, _fill(template, values), _fill(body, values)
    )
    expected = statuses[role]
    if expected >= 400:
        assert_error(response, expected, {401: "not_authenticated", 403: None}.get(expected))
        assert Dispute.objects.filter(pk=dispute.pk).values().get() == before
        assert Dispute.objects.count() == 1
        return
    assert response.status_code == expected, response.content[:300]
    data = response.json()
    if endpoint in LIST_SIZES:
        assert isinstance(data, list)
        assert [d["id"] for d in data] == [dispute.pk] * LIST_SIZES[endpoint][role]
    elif endpoint == "open":
        assert data["orderId"] == world["fresh"].pk
        assert data["createdByUserId"] == world["actors"][role].pk
    elif endpoint == "messages":
        # The reason is a field of the dispute, not a message: a fresh thread is empty.
        assert data == []
    elif endpoint == "post_message":
        assert data["userId"] == world["actors"][role].pk
    else:
        assert data["id"] == dispute.pk
    if endpoint in EXPECTED_STATE:
        assert data["state"] == EXPECTED_STATE[endpoint]
        dispute.refresh_from_db()
        assert dispute.status == EXPECTED_STATE[endpoint]


MISSING = 987654321

# Object endpoints with an id that names nothing: 404 for every signed-in role, 401 before that.
MISSING_PATHS = [
    ("get", f"/api/disputes/{MISSING}", None),
    ("get", f"/api/disputes/order/{MISSING}", None),
    ("get", f"/api/disputes/{MISSING}/messages", None),
    ("post", f"/api/disputes/{MISSING}/messages", {"message": "Hello"}),
    ("post", f"/api/disputes/{MISSING}/withdraw", {}),
    ("patch", f"/api/disputes/{MISSING}/close", {"resolution": "Done."}),
    ("post", f"/api/disputes/{MISSING}/take-up", {}),
    ("get", f"/api/disputes/{MISSING}/offers", None),
    ("post", f"/api/disputes/{MISSING}/offers", {"amount": "5.00"}),
    ("post", f"/api/disputes/{MISSING}/offers/{MISSING}/accept", {}),
    ("post", f"/api/disputes/{MISSING}/offers/{MISSING}/decline", {}),
    ("post", f"/api/disputes/{MISSING}/offers/{MISSING}/withdraw", {}),
    ("post", f"/api/disputes/{MISSING}/escalate", {"reason": "Please decide this one."}),
    ("post", "/api/disputes", {"orderId": MISSING, "reason": REASON}),
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("method", "path", "body"), MISSING_PATHS, ids=lambda v: str(v))
def test_missing_ids_are_404(
    method: str,
    path: str,
    body: Any,
    role: str,
    actors: dict[str, User | None],
    client_for: Callable[..., APIClient],
) -> None:
    response = _call(client_for(actors[role]), method, path, body)
    if role == "anonymous":
        assert_error(response, 401)
    else:
        assert_error(response, 404)


@pytest.mark.parametrize("role", ["buyer", "seller", "staff"])
def test_order_without_dispute_is_404(
    role: str, actors: dict[str, User | None], order: Order, client_for: Callable[..., APIClient]
) -> None:
    response = client_for(actors[role]).get(f"/api/disputes/order/{order.pk}")
    assert_error(response, 404, "dispute_not_found")


@pytest.mark.parametrize(
    "path",
    [
        "/api/disputes/abc",
        "/api/disputes/-1",
        "/api/disputes/1.5/messages",
        "/api/disputes/order/x",
    ],
)
def test_malformed_ids_are_json_404(
    path: str, buyer: User, client_for: Callable[..., APIClient]
) -> None:
    assert_error(client_for(buyer).get(path), 404)


@pytest.mark.parametrize(
    "path",
    [
        "/api/disputes/",
        "/api/disputes/{id}/",
        "/api/disputes/{id}/messages/",
        "/api/disputes/order/{order}/",
        "/api/disputes/user/my-disputes/",
        "/api/disputes/open/",
    ],
)
def test_paths_work_with_a_trailing_slash(
    path: str, buyer: User, order: Order, client_for: Callable[..., APIClient]
) -> None:
    dispute = make_dispute(order=order)
    response = client_for(buyer).get(path.format(id=dispute.pk, order=order.pk))
    assert response.status_code == 200, response.content[:300]


def test_post_with_trailing_slash_is_not_redirected(
    buyer: User, order: Order, client_for: Callable[..., APIClient]
) -> None:
    response = client_for(buyer).post(
        "/api/disputes/", {"orderId": order.pk, "reason": REASON}, format="json"
    )
    assert response.status_code == 201


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("delete", "/api/disputes/{id}"),
        ("put", "/api/disputes/{id}"),
        ("get", "/api/disputes/{id}/close"),
    ],
)
def test_unsupported_methods_are_405(
    method: str, path: str, staff: User, client_for: Callable[..., APIClient]
) -> None:
    dispute = make_dispute(staff=staff)
    response = getattr(client_for(staff), method)(path.format(id=dispute.pk))
    assert_error(response, 405)
    assert Dispute.objects.filter(pk=dispute.pk).exists()
