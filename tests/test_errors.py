"""One error body for every refusal under /api/: `{"error", "code", "details"}`, never HTML."""

from __future__ import annotations

import logging
from collections.abc import Callable

import pytest
from django.test import Client, override_settings
from rest_framework.test import APIClient

from accounts.models import User
from orders.models import Order, OrderStatus
from tests.assertions import assert_error
from tests.urls_boom import SECRET

pytestmark = pytest.mark.django_db

LOGIN = "/api/users/login"


def test_400_validation_names_the_fields(api: APIClient) -> None:
    body = assert_error(api.post(LOGIN, {}, format="json"), 400, "validation_error")
    assert body["details"] == {
        "email": ["This field is required."],
        "password": ["This field is required."],
    }


def test_400_malformed_json(api: APIClient) -> None:
    response = api.post(LOGIN, data="{not json", content_type="application/json")
    assert_error(response, 400, "parse_error")


def test_400_json_array_instead_of_object(api: APIClient) -> None:
    response = api.post(LOGIN, [1, 2], format="json")
    assert_error(response, 400, "validation_error")


def test_401_without_token(api: APIClient) -> None:
    response = api.get("/api/orders")
    assert_error(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"].startswith("Bearer")


# Forged, expired, refresh-as-access and deactivated users' tokens: tests/security/test_tokens.py.
@pytest.mark.parametrize(
    ("header", "code"),
    [
        # A Bearer header with no token is malformed: simplejwt refuses it outright.
        ("Bearer ", "authentication_failed"),
        # Another scheme is not ours to read: as if no credentials were sent at all.
        ("Token abc", "not_authenticated"),
    ],
)
def test_401_with_a_malformed_authorization_header(api: APIClient, header: str, code: str) -> None:
    api.credentials(HTTP_AUTHORIZATION=header)
    response = api.get("/api/orders")
    assert_error(response, 401, code)
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_403_not_a_party(
    client_for: Callable[..., APIClient], stranger: User, order: Order
) -> None:
    assert_error(client_for(stranger).get(f"/api/orders/{order.pk}"), 403, "permission_denied")


def test_404_missing_object(client_for: Callable[..., APIClient], buyer: User) -> None:
    assert_error(client_for(buyer).get("/api/orders/424242"), 404, "not_found")


@pytest.mark.parametrize("path", ["/api/nope", "/api/nope/", "/api/orders/abc", "/api/"])
def test_404_unknown_api_url_is_json(api: APIClient, path: str) -> None:
    assert_error(api.get(path), 404, "not_found")


def test_404_unknown_api_url_is_json_with_debug_on(api: APIClient) -> None:
    with override_settings(DEBUG=True):
        assert_error(api.get("/api/nope"), 404, "not_found")


def test_non_api_404_is_left_to_django(api: APIClient) -> None:
    response = api.get("/no-such-page")
    assert response.status_code == 404
    assert not response["Content-Type"].startswith("application/json")


@pytest.mark.parametrize(
    ("method", "path"),
    [("get", LOGIN), ("delete", "/api/orders/1"), ("put", "/api/items/1"), ("put", "/api/orders")],
)
def test_405_method_not_allowed(
    client_for: Callable[..., APIClient], buyer: User, method: str, path: str
) -> None:
    response = getattr(client_for(buyer), method)(path)
    assert_error(response, 405, "method_not_allowed")
    assert response["Allow"]


def test_409_forbidden_move(
    client_for: Callable[..., APIClient], seller: User, order: Order
) -> None:
    Order.objects.filter(pk=order.pk).update(status=OrderStatus.CANCELLED)
    response = client_for(seller).patch(f"/api/orders/{order.pk}/status", {"status": "PENDING"})
    body = assert_error(response, 409, "order_transition_not_allowed")
    assert "CANCELLED" in body["error"]


@pytest.mark.parametrize(
    "content_type", ["application/x-www-form-urlencoded", "text/plain", "application/xml"]
)
def test_415_body_not_json(api: APIClient, content_type: str) -> None:
    response = api.post(LOGIN, data="email=a@b.c&password=x", content_type=content_type)
    assert_error(response, 415, "unsupported_media_type")


def test_415_multipart(api: APIClient) -> None:
    response = api.post(LOGIN, {"email": "a@b.c", "password": "x"}, format="multipart")
    assert_error(response, 415, "unsupported_media_type")


# 429 (throttled, with Retry-After) is asserted by the throttle tests, tests/accounts/.


@pytest.mark.urls("tests.urls_boom")
@pytest.mark.parametrize("path", ["/api/boom/drf", "/api/boom/plain", "/api/boom/drf/"])
@pytest.mark.parametrize("debug", [False, True])
def test_500_is_json_without_a_stack_trace(
    path: str, debug: bool, caplog: pytest.LogCaptureFixture
) -> None:
    client = APIClient()
    client.raise_request_exception = False
    with override_settings(DEBUG=debug), caplog.at_level(logging.ERROR, "echo_disputes.errors"):
        response = client.get(path)
    body = assert_error(response, 500, "server_error")
    assert SECRET not in response.content.decode()
    assert "Traceback" not in response.content.decode()
    assert body["details"] == {}
    # The operator still gets the trace: it goes to the log, not to the client.
    assert any(SECRET in (r.exc_text or str(r.exc_info)) for r in caplog.records)


@pytest.mark.urls("tests.urls_boom")
def test_plain_view_html_error_becomes_json() -> None:
    response = Client().get("/api/boom/teapot")
    assert_error(response, 418)


@pytest.mark.urls("tests.urls_boom")
def test_project_api_still_served_under_the_boom_urlconf(api: APIClient) -> None:
    assert_error(api.get("/api/orders"), 401)


def test_disallowed_host_under_api_is_json_400() -> None:
    response = Client(HTTP_HOST="evil.example.net").get("/api/orders")
    assert_error(response, 400)


def test_disallowed_host_body_does_not_echo_the_host() -> None:
    response = Client(HTTP_HOST="evil.example.net").post(
        LOGIN, data="{}", content_type="application/json"
    )
    assert_error(response, 400)
    assert "evil.example.net" not in response.content.decode()


def test_413_oversized_body_is_json_not_500(api: APIClient) -> None:
    body = '{"email": "a@b.cc", "password": "' + "x" * 3_000_000 + '"}'
    response = api.post(LOGIN, data=body, content_type="application/json")
    assert_error(response, 413, "payload_too_large")


def test_too_many_query_fields_is_400_not_500(
    client_for: Callable[..., APIClient], buyer: User
) -> None:
    query = "&".join(f"f{n}=1" for n in range(1100))
    assert_error(client_for(buyer).get(f"/api/orders?{query}"), 400, "bad_request")
