"""Staff manage webhook endpoints through the API (`/api/webhooks/endpoints`) and the admin:
who may, the secret shown once, deletes, validation, the admin's resend action, and query counts
that do not grow with the rows."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from integrations import services, signing
from integrations.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from tests.conftest import bearer
from tests.factories import make_dispute, make_order
from tests.integrations.helpers import DELIVER, endpoint_on, post
from tests.integrations.receiver import Receiver
from tests.tasks.helpers import queued

ENDPOINTS = "/api/webhooks/endpoints"
PUBLIC = "https://93.184.215.14/hooks"


def _endpoint(staff: User, url: str = PUBLIC, **kwargs: Any) -> WebhookEndpoint:
    return services.endpoint_create(actor=staff, url=url, **kwargs)[0]


@pytest.mark.parametrize("role", ["anonymous", "buyer", "stranger"])
def test_only_staff_manage_endpoints(api: Any, actors: dict[str, User | None], role: str) -> None:
    endpoint = _endpoint(actors["staff"])  # type: ignore[arg-type]
    user = actors[role]
    headers = bearer(user) if user is not None else {}
    expected = 401 if user is None else 403
    calls = [
        api.get(ENDPOINTS, **headers),
        api.post(ENDPOINTS, {"url": PUBLIC}, format="json", **headers),
        api.delete(f"{ENDPOINTS}/{endpoint.pk}", **headers),
    ]
    assert [call.status_code for call in calls] == [expected] * 3
    assert all(call["Content-Type"] == "application/json" for call in calls)
    assert WebhookEndpoint.objects.count() == 1


def test_the_secret_is_answered_once_and_signs_deliveries(api: Any, staff: User) -> None:
    response = api.post(
        ENDPOINTS,
        {"url": PUBLIC, "eventTypes": ["dispute.closed", "dispute.opened", "dispute.closed"]},
        format="json",
        **bearer(staff),
    )
    assert response.status_code == 201
    body = response.json()
    endpoint = WebhookEndpoint.objects.get()
    secret = body.pop("secret")
    assert re.fullmatch(r"whsec_[0-9a-f]{64}", secret)
    assert secret == signing.endpoint_secret(endpoint.secret_salt)
    # Nothing in the row is the secret: it is derived from the salt with the server's key.
    assert secret not in {endpoint.secret_salt, endpoint.secret_hint, endpoint.url}
    assert body == {
        "id": endpoint.pk,
        "url": PUBLIC,
        "eventTypes": ["dispute.opened", "dispute.closed"],
        "active": True,
        "consecutiveFailures": 0,
        "disabledAt": None,
        "createdAt": body["createdAt"],
        "secretHint": secret[-4:],
    }
    listed = api.get(ENDPOINTS, **bearer(staff))
    assert listed.status_code == 200
    assert listed.json() == [body]
    assert secret not in listed.content.decode()


def test_list_is_oldest_first_and_paged(api: Any, staff: User) -> None:
    ids = [_endpoint(staff, f"https://93.184.215.{n}/hooks").pk for n in range(10, 13)]
    response = api.get(ENDPOINTS, {"pageSize": 2}, **bearer(staff))
    assert [row["id"] for row in response.json()] == ids[:2]
    assert 'rel="next"' in response["Link"]
    response = api.get(ENDPOINTS, {"pageSize": 2, "page": 2}, **bearer(staff))
    assert [row["id"] for row in response.json()] == ids[2:]


def test_delete_removes_the_endpoint_and_its_deliveries(
    api: Any, staff: User, buyer: User, seller: User
) -> None:
    dispute = make_dispute(order=make_order(buyer=buyer, seller=seller))
    endpoint = _endpoint(staff)
    post(dispute, "Anyone?")
    assert WebhookDelivery.objects.filter(endpoint=endpoint).count() == 1
    response = api.delete(f"{ENDPOINTS}/{endpoint.pk}", **bearer(staff))
    assert (response.status_code, response.content) == (204, b"")
    assert not WebhookEndpoint.objects.exists()
    assert not WebhookDelivery.objects.exists()
    again = api.delete(f"{ENDPOINTS}/{endpoint.pk}", **bearer(staff))
    assert again.status_code == 404
    assert again.json()["code"] == "not_found"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "url"),
        ({"url": ""}, "url"),
        ({"url": 7}, "url"),
        ({"url": PUBLIC, "eventTypes": ["dispute.deleted"]}, "eventTypes"),
        ({"url": PUBLIC, "eventTypes": "dispute.opened"}, "eventTypes"),
        ({"url": PUBLIC, "active": "maybe"}, "active"),
        ({"url": PUBLIC, "secret": "mine"}, "secret"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(
    api: Any, staff: User, body: dict[str, Any], field: str
) -> None:
    response = api.post(ENDPOINTS, body, format="json", **bearer(staff))
    assert response.status_code == 400
    assert field in response.json()["details"]
    assert not WebhookEndpoint.objects.exists()


def test_list_query_count_does_not_grow_with_endpoints(api: Any, staff: User) -> None:
    _endpoint(staff)
    with CaptureQueriesContext(connection) as one:
        assert api.get(ENDPOINTS, **bearer(staff)).status_code == 200
    for n in range(10, 20):
        _endpoint(staff, f"https://93.184.215.{n}/hooks")
    with CaptureQueriesContext(connection) as eleven:
        assert len(api.get(ENDPOINTS, **bearer(staff)).json()) == 11
    assert len(one.captured_queries) == len(eleven.captured_queries)


# The admin ------------------------------------------------------------------------------------


@pytest.fixture
def desk(staff: User) -> Client:
    client = Client()
    client.force_login(staff)
    return client


def test_admin_add_shows_the_secret_once(desk: Client) -> None:
    response = desk.post(
        "/admin/integrations/webhookendpoint/add/",
        {"url": PUBLIC, "event_types": ["dispute.opened"], "active": "on"},
    )
    assert response.status_code == 200, response.content
    endpoint = WebhookEndpoint.objects.get()
    secret = signing.endpoint_secret(endpoint.secret_salt)
    assert secret in response.content.decode()
    assert "no-store" in response["Cache-Control"].split(", ")
    assert endpoint.event_types == ["dispute.opened"]
    page = desk.get(f"/admin/integrations/webhookendpoint/{endpoint.pk}/change/")
    assert page.status_code == 200
    assert secret not in page.content.decode()
    assert endpoint.secret_hint in page.content.decode()


def test_admin_add_refuses_an_internal_url(desk: Client, settings: Any) -> None:
    settings.ECHO_WEBHOOKS_ALLOW_PRIVATE_HOSTS = False
    response = desk.post(
        "/admin/integrations/webhookendpoint/add/", {"url": "https://10.0.0.1/", "active": "on"}
    )
    assert response.status_code == 200
    assert "which is not a public address" in response.content.decode()
    assert not WebhookEndpoint.objects.exists()


def test_a_party_cannot_open_the_webhook_admin(buyer: User) -> None:
    client = Client()
    client.force_login(buyer)
    for url in (
        "/admin/integrations/webhookendpoint/",
        "/admin/integrations/webhookdelivery/",
    ):
        assert client.get(url).status_code == 302


def test_admin_resend_action_goes_through_the_service(
    desk: Client,
    staff: User,
    buyer: User,
    seller: User,
    settings: Any,
    receiver: Receiver,
    run_tasks: Callable[[], None],
) -> None:
    settings.ECHO_WEBHOOKS_ALLOW_PRIVATE_HOSTS = True
    dispute = make_dispute(order=make_order(buyer=buyer, seller=seller))
    endpoint = endpoint_on(receiver, staff)
    post(dispute, "Anyone?")
    run_tasks()
    delivery = WebhookDelivery.objects.get(endpoint=endpoint)
    assert delivery.status == DeliveryStatus.DELIVERED
    response = desk.post(
        "/admin/integrations/webhookdelivery/",
        {"action": "resend", "_selected_action": [delivery.pk]},
        follow=True,
    )
    assert response.status_code == 200
    assert "1 deliveries queued again." in response.content.decode()
    assert [task.args_kwargs["args"] for task in queued(DELIVER)] == [[delivery.pk]]
    run_tasks()
    assert len(receiver.received) == 2
    # A disabled endpoint's delivery is refused with a message, not resent.
    services.endpoint_update(actor=staff, endpoint_id=endpoint.pk, active=False)
    response = desk.post(
        "/admin/integrations/webhookdelivery/",
        {"action": "resend", "_selected_action": [delivery.pk]},
        follow=True,
    )
    assert "The endpoint is disabled; enable it before resending." in response.content.decode()
    assert queued(DELIVER) == []


@pytest.mark.parametrize(
    "url", ["/admin/integrations/webhookendpoint/", "/admin/integrations/webhookdelivery/"]
)
def test_admin_lists_query_count_does_not_grow_with_rows(
    desk: Client, staff: User, buyer: User, seller: User, url: str
) -> None:
    def grow(n: int) -> None:
        for i in range(n):
            _endpoint(staff, f"https://93.184.215.{10 + WebhookEndpoint.objects.count()}/")
            post(make_dispute(order=make_order(buyer=buyer, seller=seller)), f"Hello {i}.")

    grow(1)
    with CaptureQueriesContext(connection) as one:
        assert desk.get(url).status_code == 200
    grow(6)
    with CaptureQueriesContext(connection) as more:
        assert desk.get(url).status_code == 200
    assert WebhookDelivery.objects.count() > 6
    assert len(one.captured_queries) == len(more.captured_queries)


def test_the_schema_declares_every_status(api: Any) -> None:
    paths = api.get("/api/schema", {"format": "json"}).json()["paths"]
    statuses = {
        (method, path): set(operation["responses"])
        for path, operations in paths.items()
        if path.startswith("/api/webhooks/endpoints")
        for method, operation in operations.items()
    }
    assert statuses == {
        ("get", "/api/webhooks/endpoints"): {"200", "400", "401", "403"},
        ("post", "/api/webhooks/endpoints"): {"201", "400", "401", "403", "415"},
        ("delete", "/api/webhooks/endpoints/{endpoint_id}"): {"204", "401", "403", "404"},
    }
    created = paths["/api/webhooks/endpoints"]["post"]["responses"]["201"]
    assert created["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/EndpointCreated"
    }
