"""simplejwt endpoints (rotation, blacklist on logout), the `scope` claim and throttling."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.test import override_settings
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken

from accounts.models import User
from accounts.policies import READ_FINANCE
from accounts.services import token_issue
from tests.assertions import assert_error
from tests.factories import PASSWORD, StoreFactory, UserFactory

pytestmark = pytest.mark.django_db

TOKEN = "/api/auth/token/"
REFRESH = "/api/auth/token/refresh/"
LOGOUT = "/api/auth/logout/"
LOGIN = "/api/users/login"


def obtain(api: APIClient, user: User, **extra: Any) -> Any:
    return api.post(TOKEN, {"email": user.email, "password": PASSWORD, **extra}, format="json")


def test_token_pair_for_good_credentials(api: APIClient, buyer: User) -> None:
    response = obtain(api, buyer)
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"access", "refresh"}
    assert AccessToken(body["access"])["user_id"] == str(buyer.pk)


def test_token_accepts_email_in_any_case(api: APIClient, buyer: User) -> None:
    response = api.post(TOKEN, {"email": buyer.email.upper(), "password": PASSWORD})
    assert response.status_code == 200


def test_token_bad_password_is_401_json(api: APIClient, buyer: User) -> None:
    response = api.post(TOKEN, {"email": buyer.email, "password": "nope"})
    assert_error(response, 401)


def test_token_missing_fields_is_400_json(api: APIClient) -> None:
    body = assert_error(api.post(TOKEN, {}, format="json"), 400, "validation_error")
    assert {"email", "password"} <= set(body["details"])


def test_token_unknown_field_is_400(api: APIClient, buyer: User) -> None:
    body = assert_error(obtain(api, buyer, is_staff=True), 400, "validation_error")
    assert "is_staff" in body["details"]


def test_refresh_unknown_field_is_400(api: APIClient, buyer: User) -> None:
    refresh = obtain(api, buyer).json()["refresh"]
    body = assert_error(api.post(REFRESH, {"refresh": refresh, "x": 1}, format="json"), 400)
    assert "x" in body["details"]


def test_refresh_rotates_and_refuses_the_old_token(api: APIClient, buyer: User) -> None:
    first = obtain(api, buyer).json()["refresh"]
    response = api.post(REFRESH, {"refresh": first})
    assert response.status_code == 200
    body = response.json()
    assert body["refresh"] != first
    AccessToken(body["access"])

    assert_error(api.post(REFRESH, {"refresh": first}), 401)
    assert api.post(REFRESH, {"refresh": body["refresh"]}).status_code == 200


def test_refresh_with_garbage_is_401_json(api: APIClient) -> None:
    assert_error(api.post(REFRESH, {"refresh": "garbage"}), 401)


def test_refresh_keeps_the_scope_claim(api: APIClient, seller: User) -> None:
    StoreFactory.create(owner=seller)
    refresh = obtain(api, seller, scope="").json()["refresh"]
    access = api.post(REFRESH, {"refresh": refresh}).json()["access"]
    assert AccessToken(access)["scope"] == ""


def test_logout_blacklists_the_refresh_token(api: APIClient, buyer: User) -> None:
    refresh = obtain(api, buyer).json()["refresh"]
    response = api.post(LOGOUT, {"refresh": refresh})
    assert response.status_code == 204
    assert_error(api.post(REFRESH, {"refresh": refresh}), 401)


def test_logout_with_the_bearer_login_token_revokes_it(api: APIClient, buyer: User) -> None:
    token = api.post(LOGIN, {"email": buyer.email, "password": PASSWORD}).json()["token"]
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert api.get("/api/orders").status_code == 200
    assert api.post(LOGOUT).status_code == 204
    assert_error(api.get("/api/orders"), 401, "authentication_failed")


def test_logout_with_a_refresh_token_ignores_a_stale_bearer_token(
    api: APIClient, buyer: User
) -> None:
    # A pair client whose access token expired still logs out with its refresh token.
    refresh = obtain(api, buyer).json()["refresh"]
    api.credentials(HTTP_AUTHORIZATION="Bearer expired.or.garbage")
    assert api.post(LOGOUT, {"refresh": refresh}).status_code == 204
    assert_error(api.post(REFRESH, {"refresh": refresh}), 401)


def test_logout_with_only_a_pair_access_token_asks_for_the_refresh_token(
    api: APIClient, buyer: User
) -> None:
    access = obtain(api, buyer).json()["access"]
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    body = assert_error(api.post(LOGOUT), 400, "validation_error")
    assert "refresh" in body["details"]


def test_logout_twice_is_401(api: APIClient, buyer: User) -> None:
    refresh = obtain(api, buyer).json()["refresh"]
    api.post(LOGOUT, {"refresh": refresh})
    assert_error(api.post(LOGOUT, {"refresh": refresh}), 401)


def test_logout_with_an_access_token_is_refused(api: APIClient, buyer: User) -> None:
    access = obtain(api, buyer).json()["access"]
    assert_error(api.post(LOGOUT, {"refresh": access}), 401)


def test_logout_without_body_is_400(api: APIClient) -> None:
    assert "refresh" in assert_error(api.post(LOGOUT, {}, format="json"), 400)["details"]


# The scope claim ---------------------------------------------------------------------------


def test_plain_buyer_token_has_empty_scope(api: APIClient, buyer: User) -> None:
    assert AccessToken(obtain(api, buyer).json()["access"])["scope"] == ""


def test_store_owner_token_has_read_finance(api: APIClient, seller: User) -> None:
    StoreFactory.create(owner=seller)
    assert AccessToken(obtain(api, seller).json()["access"])["scope"] == READ_FINANCE


def test_staff_token_has_read_finance(api: APIClient, staff: User) -> None:
    assert AccessToken(obtain(api, staff).json()["access"])["scope"] == READ_FINANCE


def test_login_token_carries_scope(api: APIClient, seller: User) -> None:
    StoreFactory.create(owner=seller)
    login = api.post("/api/users/login", {"email": seller.email, "password": PASSWORD}).json()
    assert AccessToken(login["token"])["scope"] == READ_FINANCE


def test_scope_granted_when_store_is_created_after_first_token(
    client_for: Any, api: APIClient, seller: User
) -> None:
    assert AccessToken(obtain(api, seller).json()["access"])["scope"] == ""
    client_for(seller).post("/api/items", {"title": "Lamp", "basePrice": "10.00"})
    assert AccessToken(obtain(api, seller).json()["access"])["scope"] == READ_FINANCE


def test_empty_scope_request_gives_no_scope(api: APIClient, staff: User) -> None:
    assert AccessToken(obtain(api, staff, scope="").json()["access"])["scope"] == ""


def test_requesting_a_held_scope_keeps_it(api: APIClient, staff: User) -> None:
    access = obtain(api, staff, scope=READ_FINANCE).json()["access"]
    assert AccessToken(access)["scope"] == READ_FINANCE


@pytest.mark.parametrize("requested", [READ_FINANCE, "read_finance admin", "admin write_all"])
def test_requesting_a_scope_not_held_never_adds_it(
    api: APIClient, buyer: User, requested: str
) -> None:
    response = obtain(api, buyer, scope=requested)
    assert response.status_code == 200
    assert AccessToken(response.json()["access"])["scope"] == ""


def test_unknown_scopes_are_dropped_for_staff(api: APIClient, staff: User) -> None:
    access = obtain(api, staff, scope="read_finance superpowers").json()["access"]
    assert AccessToken(access)["scope"] == READ_FINANCE


def test_token_issue_service_intersects_scopes(seller: User) -> None:
    StoreFactory.create(owner=seller)
    assert token_issue(user=seller).access_token["scope"] == READ_FINANCE
    assert token_issue(user=seller, requested_scope="").access_token["scope"] == ""
    plain = UserFactory.create()
    assert token_issue(user=plain, requested_scope=READ_FINANCE).access_token["scope"] == ""


# Throttling ---------------------------------------------------------------------------------


@pytest.mark.parametrize("path", [LOGIN, TOKEN])
def test_login_is_throttled_after_ten_attempts(api: APIClient, buyer: User, path: str) -> None:
    wrong = {"email": buyer.email, "password": "bad"}
    for _ in range(10):
        assert_error(api.post(path, wrong), 401)
    assert_error(api.post(path, wrong), 429, "throttled")
    # Throttled even with the right password: the limit is on attempts, not on failures.
    right = api.post(path, {"email": buyer.email, "password": PASSWORD})
    body = assert_error(right, 429, "throttled")
    assert body["error"]
    assert 0 < int(right["Retry-After"]) <= 60  # the budget is 10 a minute


def test_attempts_on_unknown_emails_spend_the_same_budget(api: APIClient, buyer: User) -> None:
    # The budget is per client, not per account: guessing emails earns no fresh attempts.
    for n in range(10):
        assert_error(api.post(LOGIN, {"email": f"x{n}@example.com", "password": "y"}), 401)
    assert_error(api.post(LOGIN, {"email": buyer.email, "password": PASSWORD}), 429, "throttled")


def test_login_and_token_endpoints_share_one_budget(api: APIClient, buyer: User) -> None:
    wrong = {"email": buyer.email, "password": "bad"}
    for _ in range(5):
        assert_error(api.post(LOGIN, wrong), 401)
        assert_error(api.post(TOKEN, wrong), 401)
    assert_error(obtain(api, buyer), 429, "throttled")
    assert_error(api.post(LOGIN, {"email": buyer.email, "password": PASSWORD}), 429, "throttled")


def test_register_is_throttled_after_five_attempts(api: APIClient) -> None:
    for n in range(5):
        response = api.post(
            "/api/users/register",
            {"email": f"u{n}@example.com", "username": f"u{n}", "password": "plum-orbit-91x"},
        )
        assert response.status_code == 201
    response = api.post(
        "/api/users/register",
        {"email": "u9@example.com", "username": "u9", "password": "plum-orbit-91x"},
    )
    assert_error(response, 429, "throttled")
    assert not User.objects.filter(username="u9").exists()


def test_token_endpoint_shares_the_login_throttle(api: APIClient, buyer: User) -> None:
    for _ in range(10):
        api.post(TOKEN, {"email": buyer.email, "password": "bad"})
    assert_error(obtain(api, buyer), 429, "throttled")


def test_login_throttle_cannot_be_dodged_with_x_forwarded_for(api: APIClient, buyer: User) -> None:
    # A client-chosen header must not give an attacker a fresh budget per guess.
    for n in range(10):
        api.post(
            "/api/users/login",
            {"email": buyer.email, "password": "bad"},
            HTTP_X_FORWARDED_FOR=f"10.0.0.{n}",
        )
    response = api.post(
        "/api/users/login",
        {"email": buyer.email, "password": PASSWORD},
        HTTP_X_FORWARDED_FOR="10.0.1.1",
    )
    assert_error(response, 429, "throttled")


def test_behind_one_proxy_the_throttle_keys_on_the_address_the_proxy_saw(
    api: APIClient, buyer: User
) -> None:
    login = {"email": buyer.email, "password": "bad"}
    with override_settings(REST_FRAMEWORK={**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}):
        for n in range(10):
            api.post("/api/users/login", login, HTTP_X_FORWARDED_FOR=f"10.9.9.{n}, 203.0.113.7")
        same_client = api.post(
            "/api/users/login", login, HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.7"
        )
        other_client = api.post("/api/users/login", login, HTTP_X_FORWARDED_FOR="203.0.113.8")
    assert_error(same_client, 429, "throttled")
    assert_error(other_client, 401, "invalid_credentials")


@pytest.mark.parametrize("path", ["/api/auth/token/refresh", "/api/auth/logout"])
def test_refresh_and_logout_are_throttled_after_thirty_attempts(api: APIClient, path: str) -> None:
    # Guessing refresh tokens costs the guesser, like guessing passwords.
    for _ in range(30):
        assert_error(api.post(path, {"refresh": "not-a-token"}), 401)
    response = api.post(path, {"refresh": "not-a-token"})
    assert_error(response, 429, "throttled")
    assert 0 < int(response["Retry-After"]) <= 60
