"""Management commands: createsuperuser from the environment, and the demo seed."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings
from rest_framework.test import APIClient

from accounts.models import User
from disputes.models import Dispute, DisputeEvent, DisputeStatus, Message
from orders.models import Item, Order, OrderStatus, Store

pytestmark = pytest.mark.django_db

DEMO_PASSWORD = "echo-demo-2026"
MODELS = (User, Store, Item, Order, Dispute, Message, DisputeEvent)


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in MODELS}


def seed(*args: str) -> str:
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def test_createsuperuser_noinput_from_environment(
    monkeypatch: pytest.MonkeyPatch, api: APIClient
) -> None:
    monkeypatch.setenv("DJANGO_SUPERUSER_EMAIL", "Root@Example.com")
    monkeypatch.setenv("DJANGO_SUPERUSER_USERNAME", "root")
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "vault-meadow-lantern-7")
    call_command("createsuperuser", "--noinput", stdout=StringIO())

    user = User.objects.get(username="root")
    assert user.email == "root@example.com"
    assert user.is_staff and user.is_superuser and user.is_active
    response = api.post(
        "/api/users/login", {"email": "ROOT@example.com", "password": "vault-meadow-lantern-7"}
    )
    assert response.status_code == 200
    assert response.json()["roles"] == ["ADMIN"]


def test_createsuperuser_refuses_a_taken_email(monkeypatch: pytest.MonkeyPatch) -> None:
    User.objects.create_user(email="root@example.com", username="first", password="x")
    monkeypatch.setenv("DJANGO_SUPERUSER_EMAIL", "ROOT@example.com")
    monkeypatch.setenv("DJANGO_SUPERUSER_USERNAME", "root")
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "vault-meadow-lantern-7")
    with pytest.raises(CommandError):
        call_command("createsuperuser", "--noinput", stdout=StringIO(), stderr=StringIO())
    assert not User.objects.filter(is_superuser=True).exists()


@override_settings(DEBUG=True)
def test_seed_demo_is_idempotent() -> None:
    seed()
    first = counts()
    seed()
    assert counts() == first
    assert first["Order"] >= 4
    assert first["Item"] >= 2


@override_settings(DEBUG=True)
def test_seed_demo_creates_the_demo_accounts() -> None:
    seed()
    buyer = User.objects.get(email="buyer@example.com")
    seller = User.objects.get(email="seller@example.com")
    staff = User.objects.get(email="staff@example.com")
    assert staff.is_staff and not buyer.is_staff and not seller.is_staff
    for user in (buyer, seller, staff):
        assert user.check_password(DEMO_PASSWORD)
    assert Store.objects.filter(owner=seller).exists()
    assert Item.objects.filter(store__owner=seller).exists()


@override_settings(DEBUG=True)
@pytest.mark.parametrize(
    ("email", "roles"),
    [
        ("buyer@example.com", ["USER"]),
        ("seller@example.com", ["USER"]),
        ("staff@example.com", ["ADMIN"]),
    ],
)
def test_demo_accounts_log_in_through_the_api(api: APIClient, email: str, roles: list[str]) -> None:
    seed()
    response = api.post("/api/users/login", {"email": email, "password": DEMO_PASSWORD})
    assert response.status_code == 200
    assert response.json()["roles"] == roles
    assert response.json()["token"]


@override_settings(DEBUG=True)
def test_seed_demo_covers_every_dispute_and_order_state() -> None:
    seed()
    assert set(Dispute.objects.values_list("status", flat=True)) == set(DisputeStatus.values)
    assert len(set(Order.objects.values_list("status", flat=True))) >= 3
    assert Order.objects.filter(status=OrderStatus.PENDING).exists()


@override_settings(DEBUG=True)
def test_demo_buyer_sees_their_orders(api: APIClient) -> None:
    seed()
    login = api.post(
        "/api/users/login", {"email": "buyer@example.com", "password": DEMO_PASSWORD}
    ).json()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {login['token']}")
    orders = api.get("/api/orders").json()
    assert len(orders) == Order.objects.filter(buyer__email="buyer@example.com").count() > 0


@override_settings(DEBUG=False)
def test_seed_demo_refuses_with_debug_off() -> None:
    with pytest.raises(CommandError, match="--force"):
        seed()
    assert not User.objects.exists()


@override_settings(DEBUG=False)
def test_seed_demo_runs_with_force_when_debug_off() -> None:
    output = seed("--force")
    assert User.objects.filter(email="buyer@example.com").exists()
    assert "buyer@example.com" in output
