"""ECHO's login: `{token, id, email, username, roles, isActive, avatarUrl}`, one access token that
lives as long as ECHO's (24 hours; its client never refreshes), revoked at once by logout or a
password change. The standard pair of `/api/auth/token` keeps its short access token."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken

from accounts.models import RevokedToken, User
from tests.assertions import assert_error
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

LOGIN = "/api/users/login"
REGISTER = "/api/users/register"
LOGOUT = "/api/auth/logout"
TOKEN = "/api/auth/token/"
REFRESH = "/api/auth/token/refresh/"
ECHO_KEYS = {"token", "id", "email", "username", "roles", "isActive", "avatarUrl"}


def login(api: APIClient, user: User) -> Any:
    return api.post(LOGIN, {"email": user.email, "password": PASSWORD}, format="json")


def as_bearer(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


def lifetime(token: Any) -> timedelta:
    claims = AccessToken(token)
    return timedelta(seconds=int(claims["exp"]) - int(claims["iat"]))


def test_login_answers_echos_shape_and_nothing_else(api: APIClient, buyer: User) -> None:
    response = login(api, buyer)
    assert response.status_code == 200
    body = response.json()
    assert set(body) == ECHO_KEYS
    assert "refreshToken" not in body and "refresh" not in response.content.decode()
    assert body["id"] == buyer.pk and body["roles"] == ["USER"] and body["isActive"] is True


def test_register_answers_the_same_shape(api: APIClient) -> None:
    response = api.post(
        REGISTER,
        {"email": "new@example.com", "username": "newcomer", "password": "plum-orbit-cascade-91"},
        format="json",
    )
    assert response.status_code == 201
    assert set(response.json()) == ECHO_KEYS
    assert lifetime(response.json()["token"]) == timedelta(hours=24)


def test_the_login_token_lives_24_hours_by_default(api: APIClient, buyer: User) -> None:
    token = login(api, buyer).json()["token"]
    assert lifetime(token) == timedelta(hours=24)
    assert AccessToken(token)["token_type"] == "access"
    assert as_bearer(token).get("/api/orders").status_code == 200


@override_settings(ECHO_LOGIN_TOKEN_LIFETIME=timedelta(hours=8))
def test_the_login_token_lifetime_is_a_setting(api: APIClient, buyer: User) -> None:
    assert lifetime(login(api, buyer).json()["token"]) == timedelta(hours=8)


def test_the_standard_pair_keeps_its_short_access_token_and_rotation(
    api: APIClient, buyer: User
) -> None:
    pair = api.post(TOKEN, {"email": buyer.email, "password": PASSWORD}, format="json").json()
    assert lifetime(pair["access"]) == timedelta(minutes=15)
    rotated = api.post(REFRESH, {"refresh": pair["refresh"]}, format="json")
    assert rotated.status_code == 200
    assert rotated.json()["refresh"] != pair["refresh"]
    assert lifetime(rotated.json()["access"]) == timedelta(minutes=15)
    assert_error(api.post(REFRESH, {"refresh": pair["refresh"]}, format="json"), 401)


def test_logout_with_the_bearer_login_token_revokes_it_at_once(api: APIClient, buyer: User) -> None:
    token = login(api, buyer).json()["token"]
    client = as_bearer(token)
    assert client.get("/api/disputes/user/my-disputes").status_code == 200
    assert client.post(LOGOUT).status_code == 204
    body = assert_error(client.get("/api/disputes/user/my-disputes"), 401, "authentication_failed")
    assert body["error"] == "Token has been revoked."
    # Twice is refused, like a blacklisted refresh token.
    assert_error(client.post(LOGOUT), 401)


def test_logout_revokes_only_that_login_token(api: APIClient, buyer: User) -> None:
    first, second = login(api, buyer).json()["token"], login(api, buyer).json()["token"]
    assert as_bearer(first).post(LOGOUT, {}, format="json").status_code == 204
    assert as_bearer(first).get("/api/orders").status_code == 401
    assert as_bearer(second).get("/api/orders").status_code == 200


def test_a_password_change_revokes_the_login_token_at_once(api: APIClient, buyer: User) -> None:
    token = login(api, buyer).json()["token"]
    assert as_bearer(token).get("/api/orders").status_code == 200
    buyer.set_password("a-new-and-different-passphrase")
    buyer.save(update_fields=["password"])
    assert_error(as_bearer(token).get("/api/orders"), 401)


def test_deactivation_refuses_the_login_token_at_once(api: APIClient, buyer: User) -> None:
    token = login(api, buyer).json()["token"]
    buyer.is_active = False
    buyer.save(update_fields=["is_active"])
    assert_error(as_bearer(token).get("/api/orders"), 401, "authentication_failed")


def test_logout_without_any_token_is_400(api: APIClient) -> None:
    assert "refresh" in assert_error(api.post(LOGOUT), 400, "validation_error")["details"]


def test_logout_with_a_bad_bearer_token_is_401(api: APIClient) -> None:
    assert_error(as_bearer("not.a.jwt").post(LOGOUT), 401)


def test_logout_sweeps_expired_revocations(api: APIClient, buyer: User) -> None:
    with override_settings(ECHO_LOGIN_TOKEN_LIFETIME=timedelta(seconds=-1)):
        stale = AccessToken(login(api, buyer).json()["token"], verify=False)
    RevokedToken.objects.create(jti=str(stale["jti"]), user=buyer, expires_at=stale.current_time)
    assert as_bearer(login(api, buyer).json()["token"]).post(LOGOUT).status_code == 204
    assert list(RevokedToken.objects.values_list("jti", flat=True)) != [str(stale["jti"])]
    assert RevokedToken.objects.count() == 1


def test_the_revocation_check_costs_one_indexed_query_and_only_for_login_tokens(
    api: APIClient, buyer: User
) -> None:
    pair_access = api.post(TOKEN, {"email": buyer.email, "password": PASSWORD}).json()["access"]
    login_token = login(api, buyer).json()["token"]
    statements = []
    for token in (pair_access, login_token):
        client = as_bearer(token)
        client.get("/api/orders")  # warm-up
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/api/orders").status_code == 200
        # Read now: the next request resets the connection's query log.
        statements.append([q["sql"] for q in queries.captured_queries])
    pair, echo = statements
    assert len(echo) == len(pair) + 1
    extra = [sql for sql in echo if "accounts_revokedtoken" in sql]
    assert len(extra) == 1
    # A primary-key lookup: the WHERE names the jti column, nothing else.
    assert 'WHERE "accounts_revokedtoken"."jti" =' in extra[0]
    assert not [sql for sql in pair if "accounts_revokedtoken" in sql]


def test_an_inactive_account_cannot_log_in(api: APIClient) -> None:
    user = UserFactory.create(is_active=False)
    assert_error(login(api, user), 401, "invalid_credentials")
