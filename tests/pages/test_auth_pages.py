from __future__ import annotations

import pytest
from django.test import Client

from accounts.models import User
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def test_login_page_renders_email_field_named_username() -> None:
    response = Client().get("/accounts/login/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="username"' in html and 'type="email"' in html
    assert 'name="csrfmiddlewaretoken"' in html
    assert '<html lang="en">' in html
    assert html.count("<h1") == 1


def test_login_with_email_in_username_field_starts_session(buyer: User) -> None:
    client = Client(enforce_csrf_checks=False)
    response = client.post(
        "/accounts/login/", {"username": buyer.email.upper(), "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"] == "/disputes/"
    assert client.get("/disputes/").status_code == 200


def test_login_follows_next_after_the_redirect_from_a_page(buyer: User) -> None:
    client = Client()
    first = client.get("/orders/")
    assert first.status_code == 302
    assert first["Location"] == "/accounts/login/?next=/orders/"
    response = client.post(
        "/accounts/login/?next=/orders/",
        {"username": buyer.email, "password": PASSWORD, "next": "/orders/"},
    )
    assert response["Location"] == "/orders/"


def test_wrong_password_shows_an_error_and_no_session(buyer: User) -> None:
    client = Client()
    response = client.post("/accounts/login/", {"username": buyer.email, "password": "nope"})
    assert response.status_code == 200
    assert "do not match an account" in response.content.decode()
    assert client.get("/disputes/").status_code == 302


def test_logout_is_a_post_and_ends_the_session(buyer: User) -> None:
    client = Client()
    client.force_login(buyer)
    assert client.get("/accounts/logout/").status_code == 405
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/"
    assert client.get("/disputes/").status_code == 302


def test_login_form_refuses_a_post_without_csrf_token(buyer: User) -> None:
    client = Client(enforce_csrf_checks=True)
    response = client.post("/accounts/login/", {"username": buyer.email, "password": PASSWORD})
    assert response.status_code == 403


def test_root_redirects_to_my_disputes() -> None:
    assert Client().get("/")["Location"] == "/disputes/"


def test_stylesheet_is_served_locally_and_pages_load_nothing_external(buyer: User) -> None:
    client = Client()
    client.force_login(buyer)
    html = client.get("/disputes/").content.decode()
    assert 'href="/static/css/app.css"' in html
    assert "http://" not in html and "https://" not in html
    css = client.get("/static/css/app.css")
    assert css.status_code == 200
    assert b"focus-visible" in b"".join(css.streaming_content)  # type: ignore[attr-defined]
