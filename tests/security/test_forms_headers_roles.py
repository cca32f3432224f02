"""CSRF on every form, security headers on every kind of response, production settings that
`check --deploy` accepts, and no request that lets a user make themself staff."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from rest_framework.test import APIClient

from accounts.models import User
from accounts.services import support_group_ensure, token_issue
from tests.assertions import assert_error
from tests.factories import StaffFactory, UserFactory, make_dispute, make_order
from tests.reliability.test_permission_table import PAGE, ROLES, TABLE, World, _url

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]

# Every page form, taken from the permission table so that a new form is covered as it lands,
# with the first signed-in role the table lets through (so the only possible refusal is the CSRF
# one). A page form that succeeds redirects (POST/redirect/GET): 302 is the one success status; a
# 200 to a POST would be the form re-rendered with errors, not a role that got through.
PAGE_FORMS = sorted(
    (route, next(role for role, status in zip(ROLES, rule.statuses, strict=True)
                 if status == 302 and role != "anonymous"))
    for (method, route), (kind, rule) in TABLE.items()
    if method == "POST" and kind == PAGE and route != "/accounts/logout/"
)  # fmt: skip


@pytest.mark.parametrize(("route", "role"), PAGE_FORMS)
def test_page_form_without_csrf_token_is_403(route: str, role: str) -> None:
    world = World.build()
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.users[role])  # type: ignore[arg-type]
    rule = TABLE[("POST", route)][1]
    body = rule.body(world, role) if rule.body else {}
    assert client.post(_url(route, world), body).status_code == 403


@pytest.mark.parametrize("path", ["/accounts/login/", "/accounts/logout/", "/admin/login/"])
def test_login_and_logout_forms_without_csrf_token_are_403(path: str) -> None:
    user = UserFactory.create()
    response = Client(enforce_csrf_checks=True).post(
        path, {"username": user.email, "password": "x"}
    )
    assert response.status_code == 403


@pytest.mark.parametrize("action", ["post", "take-up", "resolve"])
def test_admin_dispute_forms_without_csrf_token_are_403(action: str) -> None:
    staff = StaffFactory.create()
    staff.groups.add(support_group_ensure())
    dispute = make_dispute(order=make_order(), staff=staff)
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff)
    response = client.post(
        f"/admin/disputes/dispute/{dispute.pk}/{action}/",
        {"message": "Hello", "visibility": "public", "resolution": "Done.", "outcome": "closed"},
    )
    assert response.status_code == 403


def test_admin_bulk_action_without_csrf_token_is_403() -> None:
    staff = StaffFactory.create()
    staff.groups.add(support_group_ensure())
    dispute = make_dispute(order=make_order(), staff=staff)
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff)
    response = client.post(
        "/admin/disputes/dispute/", {"action": "export_csv", "_selected_action": [dispute.pk]}
    )
    assert response.status_code == 403


def test_a_session_cookie_does_not_authenticate_the_api() -> None:
    # The API is exempt from CSRF because it ignores cookies: only a bearer token counts.
    dispute = make_dispute(order=make_order())
    client = Client(enforce_csrf_checks=True)
    client.force_login(dispute.order.buyer)
    response = client.post(
        f"/api/disputes/{dispute.pk}/messages",
        json.dumps({"message": "hello"}),
        content_type="application/json",
    )
    assert response.status_code == 401


# --- security headers --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "who"),
    [
        ("/accounts/login/", None),
        ("/disputes/", "buyer"),
        ("/api/disputes", "api"),
        ("/api/nowhere", None),
        ("/openapi/2024-07/shoplazza-payment/disputes", None),
        ("/admin/", "staff"),
        ("/healthz", None),
    ],
)
def test_security_headers_on_every_kind_of_response(path: str, who: str | None) -> None:
    buyer = UserFactory.create()
    client: Any
    if who == "api":
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token_issue(user=buyer).access_token}")
    else:
        client = Client()
        if who == "buyer":
            client.force_login(buyer)
        elif who == "staff":
            client.force_login(StaffFactory.create())
    response = client.get(path)
    assert response["X-Frame-Options"] == "DENY", path
    assert response["X-Content-Type-Options"] == "nosniff", path
    assert response["Referrer-Policy"] == "same-origin", path


def _production_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "ECHO_"))}
    env.pop("DATABASE_URL", None)
    env.update(
        DJANGO_SETTINGS_MODULE="echo_disputes.settings",
        DJANGO_SECRET_KEY="prod-like-" + "s3cr3t-" * 8,
        DJANGO_DEBUG="0",
        DJANGO_ALLOWED_HOSTS="disputes.example.com",
        PYTHONPATH=str(ROOT),
    )
    env.update(extra)
    return env


PRODUCTION_PROBE = """
import json
import django
django.setup()
from django.conf import settings
from django.test import Client
response = Client().get("/api/schema", secure=True, HTTP_HOST="disputes.example.com")
print(json.dumps({
    "hsts": response.get("Strict-Transport-Security", ""),
    "session_secure": settings.SESSION_COOKIE_SECURE,
    "csrf_secure": settings.CSRF_COOKIE_SECURE,
    "session_httponly": settings.SESSION_COOKIE_HTTPONLY,
    "debug": settings.DEBUG,
}))
"""


def test_production_settings_send_hsts_and_secure_cookies() -> None:
    result = subprocess.run(
        [sys.executable, "-c", PRODUCTION_PROBE],
        env=_production_env(),
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    values = json.loads(result.stdout.strip().splitlines()[-1])
    assert "max-age=31536000" in values["hsts"]
    assert "includeSubDomains" in values["hsts"]
    assert values["session_secure"] and values["csrf_secure"] and values["session_httponly"]
    assert values["debug"] is False


def test_production_settings_pass_check_deploy() -> None:
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        env=_production_env(),
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_refuses_to_start_without_a_secret_key() -> None:
    env = _production_env()
    del env["DJANGO_SECRET_KEY"]
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], env=env, cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


# --- no self-elevation -------------------------------------------------------------------------

ELEVATION = {
    "is_staff": True,
    "isStaff": True,
    "is_superuser": True,
    "roles": ["ADMIN"],
    "role": "ADMIN",
    "scope": "read_finance",
}


def test_registration_with_role_fields_is_refused_and_grants_nothing() -> None:
    api = APIClient()
    body = {"email": "climber@example.com", "username": "climber", "password": "a-long-phrase-9"}
    refused = api.post("/api/users/register", {**body, **ELEVATION}, format="json")
    assert refused.status_code == 400
    assert set(ELEVATION) <= set(refused.json()["details"])
    assert not User.objects.filter(email="climber@example.com").exists()
    created = api.post("/api/users/register", body, format="json")
    assert created.status_code == 201
    assert created.json()["roles"] == ["USER"]
    user = User.objects.get(email="climber@example.com")
    assert not user.is_staff and not user.is_superuser


def _operations_with_a_body() -> list[tuple[str, str]]:
    schema = APIClient().get("/api/schema?format=json").json()
    return sorted(
        (method.upper(), path)
        for path, item in schema["paths"].items()
        for method, operation in item.items()
        if "requestBody" in operation
    )


# What a plain buyer's token gets for a body of nothing but elevation fields, per operation (the
# path without its trailing slash, which the schema may or may not print). Every serializer
# refuses unknown fields, so the answer is a 400 naming them; the staff-only actions refuse the
# role before reading the body; the webhook trusts only its signature.
REFUSED_ELEVATION: dict[tuple[str, str], tuple[int, str]] = {
    ("PATCH", "/api/disputes/{id}/close"): (403, "not_allowed"),
    ("POST", "/api/disputes/{id}/take-up"): (403, "not_allowed"),
    ("PATCH", "/api/disputes/{id}/assignee"): (403, "not_allowed"),
    ("POST", "/api/webhooks/payments"): (401, "invalid_signature"),
    # Staff only: a party is refused before the body is read.
    ("POST", "/api/webhooks/endpoints"): (403, "permission_denied"),
    # The evidence form takes multipart only: a JSON body is refused before any field is read.
    ("POST", "/api/disputes/{dispute_id}/evidence"): (415, "unsupported_media_type"),
    **{
        operation: (400, "validation_error")
        for operation in [
            ("PATCH", "/api/orders/{id}/status"),
            ("POST", "/api/auth/logout"),
            ("POST", "/api/auth/token"),
            ("POST", "/api/auth/token/refresh"),
            ("POST", "/api/disputes"),
            ("POST", "/api/disputes/{id}/messages"),
            ("POST", "/api/disputes/{id}/withdraw"),
            ("POST", "/api/disputes/{id}/offers"),
            ("POST", "/api/disputes/{id}/offers/{offer_id}/accept"),
            ("POST", "/api/disputes/{id}/offers/{offer_id}/decline"),
            ("POST", "/api/disputes/{id}/offers/{offer_id}/withdraw"),
            ("POST", "/api/disputes/{id}/escalate"),
            ("POST", "/api/items"),
            ("POST", "/api/orders"),
            ("POST", "/api/users/login"),
            ("POST", "/api/users/register"),
        ]
    },
}


def test_no_request_body_anywhere_makes_its_sender_staff() -> None:
    operations = _operations_with_a_body()
    # A new operation with a body needs a decision here, like a new route in the permission table.
    assert {(m, p.rstrip("/")) for m, p in operations} == set(REFUSED_ELEVATION), operations
    buyer = UserFactory.create()
    dispute = make_dispute(order=make_order(buyer=buyer))
    staff_before = set(User.objects.filter(is_staff=True).values_list("pk", flat=True))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token_issue(user=buyer).access_token}")
    for method, path in operations:
        status, code = REFUSED_ELEVATION[(method, path.rstrip("/"))]
        url = (
            path.replace("{id}", str(dispute.pk))
            .replace("{dispute_id}", str(dispute.pk))
            .replace("{order_id}", str(dispute.order_id))
            # The body is refused before the offer is looked up: any id will do.
            .replace("{offer_id}", "1")
        )
        response = getattr(client, method.lower())(url, ELEVATION, format="json")
        body = assert_error(response, status, code)
        if status == 400:
            # `scope` is a real field of the token endpoint (a request for fewer scopes than held,
            # never more: tests/accounts/test_tokens.py); everywhere else it is unknown too.
            accepted = (
                {"scope"} if (method, path.rstrip("/")) == ("POST", "/api/auth/token") else set()
            )
            assert set(body["details"]) & set(ELEVATION) == set(ELEVATION) - accepted, (path, body)
        buyer.refresh_from_db()
        assert not buyer.is_staff and not buyer.is_superuser, (method, path)
    assert set(User.objects.filter(is_staff=True).values_list("pk", flat=True)) == staff_before
