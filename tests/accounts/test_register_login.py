"""Registration and login: the ECHO login shape, no self-elevation, case-insensitive email."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken

from accounts.models import User
from tests.assertions import assert_error
from tests.factories import PASSWORD, StaffFactory, UserFactory

pytestmark = pytest.mark.django_db

REGISTER = "/api/users/register"
LOGIN = "/api/users/login"
# ECHO's login shape, exactly: no refresh token rides along (docs/design.md §6).
LOGIN_KEYS = {"token", "id", "email", "username", "roles", "isActive", "avatarUrl"}
GOOD_PASSWORD = "plum-orbit-cascade-91"


def register(api: APIClient, **overrides: Any) -> Any:
    body = {"email": "new@example.com", "username": "newcomer", "password": GOOD_PASSWORD}
    body.update(overrides)
    return api.post(REGISTER, body, format="json")


def test_register_answers_201_with_login_shape(api: APIClient) -> None:
    response = register(api, email="New.Person@Example.com")
    assert response.status_code == 201
    body = response.json()
    assert set(body) == LOGIN_KEYS
    user = User.objects.get(pk=body["id"])
    assert body["email"] == "new.person@example.com" == user.email
    assert body["username"] == "newcomer"
    assert body["roles"] == ["USER"]
    assert body["isActive"] is True
    assert body["avatarUrl"] is None
    # simplejwt writes the claim as a string (USER_ID_CLAIM, str of the pk).
    assert AccessToken(body["token"])["user_id"] == str(user.pk)
    assert user.check_password(GOOD_PASSWORD)
    assert not user.is_staff and not user.is_superuser


def test_registered_user_can_log_in(api: APIClient) -> None:
    register(api)
    response = api.post(LOGIN, {"email": "new@example.com", "password": GOOD_PASSWORD})
    assert response.status_code == 200
    assert response.json()["username"] == "newcomer"


@pytest.mark.parametrize(
    "password",
    ["short1", "12345678901234", "password123", "newcomer-x"],
    ids=["too_short", "numeric", "common", "similar_to_username"],
)
def test_register_applies_password_validators(api: APIClient, password: str) -> None:
    body = assert_error(register(api, password=password), 400, "validation_error")
    assert body["details"]["password"]
    assert not User.objects.exists()


def test_register_duplicate_email_is_409_whatever_the_case(api: APIClient) -> None:
    UserFactory.create(email="taken@example.com", username="first")
    body = assert_error(register(api, email="TAKEN@Example.COM"), 409, "email_taken")
    assert "email" in body["details"]
    assert User.objects.count() == 1


def test_register_duplicate_username_is_409(api: APIClient) -> None:
    UserFactory.create(username="newcomer")
    body = assert_error(register(api, username="NewComer"), 409, "username_taken")
    assert "username" in body["details"]


@pytest.mark.parametrize("missing", ["email", "username", "password"])
def test_register_missing_field_is_400(api: APIClient, missing: str) -> None:
    body = {"email": "new@example.com", "username": "newcomer", "password": GOOD_PASSWORD}
    del body[missing]
    response = api.post(REGISTER, body, format="json")
    assert missing in assert_error(response, 400, "validation_error")["details"]


def test_register_unknown_field_is_400(api: APIClient) -> None:
    body = assert_error(register(api, nickname="x"), 400, "validation_error")
    assert body["details"] == {"nickname": ["Unknown field."]}


@pytest.mark.parametrize(
    "elevation",
    [
        {"is_staff": True},
        {"isStaff": True},
        {"is_superuser": True},
        {"roles": ["ADMIN"]},
        {"role": "ADMIN"},
    ],
)
def test_register_never_grants_a_role(api: APIClient, elevation: dict[str, Any]) -> None:
    # Role fields are not part of the registration body: refused as unknown, not silently dropped.
    body = assert_error(register(api, **elevation), 400, "validation_error")
    assert body["details"] == {field: ["Unknown field."] for field in elevation}
    assert not User.objects.exists()


def test_register_invalid_email_is_400(api: APIClient) -> None:
    assert "email" in assert_error(register(api, email="not-an-email"), 400)["details"]


def test_login_returns_exact_echo_shape(api: APIClient) -> None:
    user = UserFactory.create(email="shape@example.com", avatar_url="https://cdn.example.com/a.png")
    response = api.post(LOGIN, {"email": "shape@example.com", "password": PASSWORD})
    assert response.status_code == 200
    body = response.json()
    assert set(body) == LOGIN_KEYS
    assert body["id"] == user.pk
    assert body["email"] == "shape@example.com"
    assert body["username"] == user.username
    assert body["roles"] == ["USER"]
    assert body["isActive"] is True
    assert body["avatarUrl"] == "https://cdn.example.com/a.png"
    assert AccessToken(body["token"])["token_type"] == "access"


def test_login_roles_admin_for_staff(api: APIClient) -> None:
    staff = StaffFactory.create()
    response = api.post(LOGIN, {"email": staff.email, "password": PASSWORD})
    assert response.json()["roles"] == ["ADMIN"]


def test_login_email_is_case_insensitive(api: APIClient) -> None:
    UserFactory.create(email="mixed@example.com")
    response = api.post(LOGIN, {"email": "  MiXeD@EXAMPLE.com", "password": PASSWORD})
    assert response.status_code == 200
    assert response.json()["email"] == "mixed@example.com"


@pytest.mark.parametrize(
    ("email", "password"),
    [
        ("known@example.com", "wrong-password"),
        ("unknown@example.com", PASSWORD),
        ("inactive@example.com", PASSWORD),
    ],
    ids=["bad_password", "unknown_email", "inactive_user"],
)
def test_login_refused_with_401_json(api: APIClient, email: str, password: str) -> None:
    UserFactory.create(email="known@example.com")
    UserFactory.create(email="inactive@example.com", is_active=False)
    # assert_error pins the body to exactly {error, code, details}: no token can ride along.
    assert_error(
        api.post(LOGIN, {"email": email, "password": password}), 401, "invalid_credentials"
    )


def test_login_missing_password_is_400(api: APIClient) -> None:
    response = api.post(LOGIN, {"email": "x@example.com"})
    assert "password" in assert_error(response, 400)["details"]


@pytest.mark.parametrize("path", [LOGIN, LOGIN + "/"])
def test_login_answers_with_and_without_trailing_slash(api: APIClient, path: str) -> None:
    UserFactory.create(email="slash@example.com")
    response = api.post(path, {"email": "slash@example.com", "password": PASSWORD})
    assert response.status_code == 200
    assert "token" in response.json()


def test_login_ignores_a_bad_bearer_header(api: APIClient) -> None:
    # A stale token in the client must not stop the user from logging in again.
    UserFactory.create(email="stale@example.com")
    api.credentials(HTTP_AUTHORIZATION="Bearer not-a-jwt")
    response = api.post(LOGIN, {"email": "stale@example.com", "password": PASSWORD})
    assert response.status_code == 200
