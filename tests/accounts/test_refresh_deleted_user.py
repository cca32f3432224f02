"""A refresh token whose user was deleted is refused like an inactive user's, not a 500."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_refresh_token_of_a_deleted_user_is_401_not_500(caplog: pytest.LogCaptureFixture) -> None:
    user = UserFactory.create()
    refresh = RefreshToken.for_user(user)
    user.delete()

    response = APIClient().post("/api/auth/token/refresh", {"refresh": str(refresh)}, format="json")

    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"
    assert not [r for r in caplog.records if r.levelname == "ERROR"]


def test_refresh_token_of_a_live_user_still_refreshes() -> None:
    user = UserFactory.create()
    refresh = RefreshToken.for_user(user)

    response = APIClient().post("/api/auth/token/refresh", {"refresh": str(refresh)}, format="json")

    assert response.status_code == 200
    assert set(response.json()) == {"access", "refresh"}
