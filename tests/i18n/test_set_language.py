"""The pages' language switch (/i18n/setlang/, URL name set_language) and how the language of a
page is chosen: saved language > language cookie > Accept-Language > English."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from accounts.models import User
from tests.factories import new_user

pytestmark = pytest.mark.django_db

ORDERS = "/orders/"


def test_the_url_is_i18n_setlang() -> None:
    assert reverse("set_language") == "/i18n/setlang/"


def test_a_signed_in_user_saves_the_language_and_gets_the_cookie() -> None:
    user = new_user()
    client = Client()
    client.force_login(user)
    response = client.post(reverse("set_language"), {"language": "es", "next": ORDERS})
    assert response.status_code == 302
    assert response["Location"] == ORDERS
    cookie = response.cookies[settings.LANGUAGE_COOKIE_NAME]
    assert cookie.value == "es"
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
    assert cookie["max-age"] == settings.LANGUAGE_COOKIE_AGE
    user.refresh_from_db()
    assert user.language == "es"


def test_an_anonymous_visitor_gets_the_cookie_only() -> None:
    response = Client().post(reverse("set_language"), {"language": "es", "next": ORDERS})
    assert response.status_code == 302
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "es"


@pytest.mark.parametrize("language", ["fr", "de", "xx", "es-evil", ""])
def test_a_language_not_offered_stores_nothing(language: str) -> None:
    user = new_user(language="en")
    client = Client()
    client.force_login(user)
    response = client.post(reverse("set_language"), {"language": language, "next": ORDERS})
    assert response.status_code == 302
    assert response["Location"] == ORDERS
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies
    user.refresh_from_db()
    assert user.language == "en"


def test_an_unsafe_next_is_replaced_by_the_site_root() -> None:
    response = Client().post(
        reverse("set_language"), {"language": "es", "next": "https://evil.example/"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/"


def test_get_changes_nothing() -> None:
    user = new_user()
    client = Client()
    client.force_login(user)
    response = client.get(reverse("set_language"), {"language": "es", "next": ORDERS})
    assert response.status_code == 405
    user.refresh_from_db()
    assert user.language == ""


def test_csrf_is_enforced() -> None:
    user = new_user()
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    response = client.post(reverse("set_language"), {"language": "es", "next": ORDERS})
    assert response.status_code == 403
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies
    user.refresh_from_db()
    assert user.language == ""


def test_with_the_csrf_token_the_switch_works() -> None:
    user = new_user()
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    client.get(ORDERS)
    token = client.cookies[settings.CSRF_COOKIE_NAME].value
    response = client.post(
        reverse("set_language"),
        {"language": "es", "next": ORDERS, "csrfmiddlewaretoken": token},
    )
    assert response.status_code == 302
    assert User.objects.get(pk=user.pk).language == "es"


def test_the_saved_language_wins_over_accept_language() -> None:
    user = new_user()
    client = Client()
    client.force_login(user)
    client.post(reverse("set_language"), {"language": "es", "next": ORDERS})
    # Another browser: no language cookie, an English Accept-Language.
    other = Client(headers={"accept-language": "en"})
    other.force_login(user)
    response = other.get(ORDERS)
    assert response.status_code == 200
    assert response["Content-Language"] == "es"


def test_the_saved_language_wins_over_the_cookie() -> None:
    user = new_user(language="es")
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(user)
    assert client.get(ORDERS)["Content-Language"] == "es"


def test_without_a_saved_language_the_cookie_then_accept_language_decide() -> None:
    user = new_user()
    client = Client(headers={"accept-language": "es-MX,es;q=0.9"})
    client.force_login(user)
    assert client.get(ORDERS)["Content-Language"] == "es"
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert client.get(ORDERS)["Content-Language"] == "en"


@pytest.mark.parametrize(
    ("accept", "expected"),
    [("", "en"), ("es", "es"), ("es-AR", "es"), ("fr", "en"), ("de-DE,fr;q=0.8", "en")],
)
def test_an_anonymous_page_follows_accept_language(accept: str, expected: str) -> None:
    response = Client(headers={"accept-language": accept}).get(reverse("accounts:login"))
    assert response.status_code == 200
    assert response["Content-Language"] == expected


def test_the_api_ignores_the_session_users_saved_language() -> None:
    user = new_user(language="es")
    client = Client(headers={"accept-language": "en"})
    client.force_login(user)
    response = client.get("/api/disputes")
    assert response["Content-Language"] == "en"
