"""Forged, expired and revoked credentials: every bad token is a 401 JSON body, on the party API
and the finance API alike. (Refresh rotation, logout and login throttling: tests/accounts.)"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import jwt
import pytest
from django.utils import timezone
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken

from accounts.models import User
from accounts.services import token_issue
from tests.assertions import assert_error
from tests.factories import StoreFactory

pytestmark = pytest.mark.django_db

PROTECTED = ("/api/disputes", "/api/orders", "/openapi/2024-07/shoplazza-payment/disputes")


def _b64(data: dict[str, Any]) -> str:
    raw = json.dumps(data, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _claims(token: str) -> dict[str, Any]:
    return jwt.decode(token, options={"verify_signature": False})


def _good(user: User) -> str:
    return str(token_issue(user=user).access_token)


def _tampered(user: User, staff: User) -> str:
    """The payload edited to another user (staff) while the signature is kept."""
    header, _, signature = _good(user).split(".")
    claims = {**_claims(_good(user)), "user_id": str(staff.pk), "scope": "read_finance"}
    return f"{header}.{_b64(claims)}.{signature}"


def _expired(user: User) -> str:
    token = AccessToken.for_user(user)
    token.set_exp(from_time=timezone.now() - timedelta(hours=1), lifetime=timedelta(minutes=1))
    return str(token)


def _alg_none(user: User) -> str:
    claims = _claims(_good(user))
    return f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(claims)}."


def _other_key(user: User) -> str:
    claims = _claims(_good(user))
    return jwt.encode(claims, "another-key-entirely-" + "x" * 40, algorithm="HS256")


def _refresh_as_access(user: User) -> str:
    return str(token_issue(user=user))


FORGERIES: dict[str, Callable[..., str]] = {
    "tampered": _tampered,
    "expired": _expired,
    "alg_none": _alg_none,
    "other_key": _other_key,
    "refresh_as_access": _refresh_as_access,
    "garbage": lambda user: "not.a.jwt",
}


@pytest.mark.parametrize("path", PROTECTED)
@pytest.mark.parametrize("forgery", sorted(FORGERIES))
def test_forged_or_stale_token_is_401_json(
    api: APIClient, seller: User, staff: User, forgery: str, path: str
) -> None:
    StoreFactory.create(owner=seller)
    maker = FORGERIES[forgery]
    token = maker(seller, staff) if forgery == "tampered" else maker(seller)
    response = api.get(path, HTTP_AUTHORIZATION=f"Bearer {token}")
    assert "Traceback" not in response.content.decode()
    # simplejwt refuses each of these the same way, as a token valid for no token type; only the
    # body differs, each API answering in its own error shape.
    if path.startswith("/openapi/"):
        assert response.status_code == 401, (forgery, response.content[:300])
        assert response["Content-Type"].startswith("application/json")
        assert response.json() == {
            "code": "Unauthorized",
            "message": "Given token not valid for any token type",
        }
    else:
        body = assert_error(response, 401, "authentication_failed")
        assert body["error"] == "Given token not valid for any token type"


@pytest.mark.parametrize("path", PROTECTED)
def test_the_untampered_token_works(api: APIClient, seller: User, path: str) -> None:
    # The forgeries above fail for what was forged, not because the token shape is wrong (the
    # seller owns a store, so the finance API lets its genuine token in too).
    StoreFactory.create(owner=seller)
    assert api.get(path, HTTP_AUTHORIZATION=f"Bearer {_good(seller)}").status_code == 200


# Authentication is simplejwt's own, with its checks on: a token must verify on every request, an
# inactive user is refused, and a password change revokes every token issued before it.


def test_an_expired_token_is_refused(api: APIClient, buyer: User) -> None:
    token = AccessToken.for_user(buyer)
    token.set_exp(lifetime=timedelta(seconds=2))
    auth: dict[str, Any] = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    assert api.get("/api/orders", **auth).status_code == 200
    while time.time() < token["exp"] + 0.05:
        time.sleep(0.05)
    response = api.get("/api/orders", **auth)
    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"


def test_a_forged_copy_of_a_valid_token_is_refused(
    api: APIClient, seller: User, staff: User
) -> None:
    good = _good(seller)
    assert api.get("/api/orders", HTTP_AUTHORIZATION=f"Bearer {good}").status_code == 200
    header, payload, signature = good.split(".")
    forged_claims = {**_claims(good), "user_id": str(staff.pk)}
    for forged in (
        f"{header}.{_b64(forged_claims)}.{signature}",
        f"{header}.{payload}.{signature[:-2]}AA",
        f"{good}.",
        f"{good}x",
    ):
        response = api.get("/api/disputes", HTTP_AUTHORIZATION=f"Bearer {forged}")
        assert response.status_code == 401, forged


def test_a_token_of_a_deactivated_user_is_refused_at_once(api: APIClient, buyer: User) -> None:
    auth: dict[str, Any] = {"HTTP_AUTHORIZATION": f"Bearer {_good(buyer)}"}
    assert api.get("/api/orders", **auth).status_code == 200
    buyer.is_active = False
    buyer.save(update_fields=["is_active"])
    assert_error(api.get("/api/orders", **auth), 401, "authentication_failed")
    assert_error(api.get("/api/disputes/user/my-disputes", **auth), 401, "authentication_failed")


def test_a_password_change_revokes_the_tokens_issued_before_it(api: APIClient, buyer: User) -> None:
    auth: dict[str, Any] = {"HTTP_AUTHORIZATION": f"Bearer {_good(buyer)}"}
    assert api.get("/api/disputes/user/my-disputes", **auth).status_code == 200
    buyer.set_password("a-new-and-different-passphrase")
    buyer.save(update_fields=["password"])
    response = api.get("/api/disputes/user/my-disputes", **auth)
    assert response.status_code == 401
    fresh: dict[str, Any] = {"HTTP_AUTHORIZATION": f"Bearer {_good(buyer)}"}
    assert api.get("/api/disputes/user/my-disputes", **fresh).status_code == 200
