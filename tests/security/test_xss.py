"""Stored XSS: every text a user writes is escaped on every HTML page that shows it (party pages
and the admin), and the API hands it back verbatim, only ever as JSON."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from rest_framework.test import APIClient

from accounts.services import support_group_ensure, token_issue
from disputes import services
from orders.services import item_create, order_create
from tests.assertions import assert_error
from tests.factories import StaffFactory, UserFactory

pytestmark = pytest.mark.django_db

SCRIPT = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"
FIELDS = ("username", "title", "description", "reason", "message", "resolution")


def _evil(field: str) -> str:
    return f"{SCRIPT}{field}"


@pytest.fixture
def world() -> dict[str, Any]:
    # The username is set directly: registration refuses it (see below), but an account made
    # by other means must still be harmless wherever its name is shown.
    buyer = UserFactory.create(username=_evil("username"))
    seller = UserFactory.create(username="xss-seller")
    staff = StaffFactory.create(username="xss-staff")
    staff.groups.add(support_group_ensure())
    item = item_create(
        creator=seller,
        title=_evil("title"),
        description=_evil("description"),
        base_price=Decimal("20.00"),
    )
    order = order_create(buyer=buyer, item_id=item.pk)
    closed = services.dispute_open(actor=buyer, order_id=order.pk, reason=_evil("reason"))
    services.message_post(actor=buyer, dispute_id=closed.pk, body=_evil("message"))
    services.dispute_close(actor=staff, dispute_id=closed.pk, resolution=_evil("resolution"))
    open_one = services.dispute_open(actor=buyer, order_id=order.pk, reason=_evil("reason"))
    services.message_post(actor=seller, dispute_id=open_one.pk, body=_evil("message"))
    return {"buyer": buyer, "seller": seller, "staff": staff, "order": order,
            "disputes": [closed, open_one]}  # fmt: skip


def _pages(world: dict[str, Any]) -> list[str]:
    order = world["order"]
    paths = ["/disputes/", "/orders/", f"/orders/{order.pk}/"]
    for dispute in world["disputes"]:
        paths += [f"/disputes/{dispute.pk}/"]
    return paths


def _admin_pages(world: dict[str, Any]) -> list[str]:
    paths = [
        "/admin/disputes/dispute/",
        "/admin/disputes/dispute/?status__exact=closed",
        "/admin/disputes/dispute/dashboard/",
        "/admin/disputes/message/",
    ]
    for dispute in world["disputes"]:
        paths += [f"/admin/disputes/dispute/{dispute.pk}/change/"]
    return paths


def _fetch(client: Client, paths: list[str]) -> str:
    html = []
    for path in paths:
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        assert response["Content-Type"].startswith("text/html"), path
        text = response.content.decode()
        assert SCRIPT not in text, f"unescaped script on {path}"
        html.append(text)
    return "\n".join(html)


@pytest.mark.parametrize("party", ["buyer", "seller"])
def test_party_pages_escape_every_user_text(world: dict[str, Any], party: str) -> None:
    client = Client()
    client.force_login(world[party])
    html = _fetch(client, _pages(world))
    shown = {field for field in FIELDS if ESCAPED + field in html}
    # Every field the pages display was found escaped (the description may live on the order page).
    assert {"username", "title", "reason", "message", "resolution"} <= shown, shown


def test_admin_pages_escape_every_user_text(world: dict[str, Any]) -> None:
    client = Client()
    client.force_login(world["staff"])
    html = _fetch(client, _admin_pages(world))
    shown = {field for field in FIELDS if ESCAPED + field in html}
    assert {"username", "title", "reason", "message", "resolution"} <= shown, shown


def test_api_returns_the_text_verbatim_as_json(world: dict[str, Any]) -> None:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token_issue(user=world['buyer']).access_token}")
    closed = world["disputes"][0]
    response = client.get(f"/api/disputes/{closed.pk}")
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["reason"] == _evil("reason")
    assert body["resolution"] == _evil("resolution")
    assert body["createdByUsername"] == _evil("username")
    assert [m["message"] for m in body["messages"]] == [_evil("message")]
    item = client.get(f"/api/items/{world['order'].item_id}").json()
    assert (item["title"], item["description"]) == (_evil("title"), _evil("description"))


def test_registration_refuses_markup_in_a_username() -> None:
    response = APIClient().post(
        "/api/users/register",
        {"email": "x@example.com", "username": SCRIPT, "password": "a-long-unusual-passphrase"},
        format="json",
    )
    body = assert_error(response, 400, "validation_error")
    assert "username" in body["details"]
