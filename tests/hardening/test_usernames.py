"""Usernames are stored NFKC-normalised and unique case-folded; mixed-script and look-alike
names are refused (accounts/services.py::username_normalize, used by registration and the
account admin)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from rest_framework.test import APIClient

from accounts.models import User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

LOOKALIKE = "Use letters of one script: this name can be mistaken for another."
CYRILLIC_A = "\u0430"


def _register(username: str, email: str = "new@example.com") -> Any:
    body = {"email": email, "username": username, "password": "pw-Long-enough-1"}
    return APIClient().post("/api/users/register", body, format="json")


@pytest.mark.parametrize(
    "username",
    [
        f"st{CYRILLIC_A}ff",  # Latin with one Cyrillic letter
        "\u0455\u0441\u0430\u0440\u0435",  # all Cyrillic, every letter a Latin look-alike
        "p\u0430ypal",
        "admin\u03bf",  # Greek omicron
    ],
)
def test_a_mixed_script_or_look_alike_name_is_400_and_nothing_is_stored(username: str) -> None:
    UserFactory.create(username="staff")
    response = _register(username)
    assert response.status_code == 400
    assert response.json() == {
        "error": LOOKALIKE,
        "code": "validation_error",
        "details": {"username": [LOOKALIKE]},
    }
    assert not User.objects.filter(email="new@example.com").exists()


@pytest.mark.parametrize(
    "username",
    ["STAFF", "\uff53\uff54\uff41\uff46\uff46", "Staff", "\uff33\uff34\uff21\uff26\uff26"],
)
def test_a_name_equal_to_an_existing_one_after_nfkc_and_case_is_409(username: str) -> None:
    UserFactory.create(username="staff")
    response = _register(username)
    assert response.status_code == 409
    assert response.json() == {
        "error": "This username is taken.",
        "code": "username_taken",
        "details": {"username": ["This username is taken."]},
    }
    assert User.objects.count() == 1


@pytest.mark.parametrize(
    ("username", "stored"),
    [
        ("\u0431\u043e\u0440\u0438\u0441", "\u0431\u043e\u0440\u0438\u0441"),  # Cyrillic name
        ("\u5c71\u7530\u305f\u308d\u3046", "\u5c71\u7530\u305f\u308d\u3046"),  # kanji and kana
        ("\uff4a\uff55\uff4c\uff49\uff41", "julia"),  # full-width is stored as ASCII
    ],
)
def test_single_script_names_register_in_their_nfkc_form(username: str, stored: str) -> None:
    response = _register(username)
    assert response.status_code == 201, response.json()
    assert User.objects.get(email="new@example.com").username == stored


def test_the_admin_add_form_refuses_a_look_alike_name() -> None:
    superuser = User.objects.create_superuser(
        email="root@example.com", username="root", password="pw-Long-enough-1"
    )
    client = Client()
    client.force_login(superuser)
    response = client.post(
        "/admin/accounts/user/add/",
        {
            "email": "new@example.com",
            "username": f"r{CYRILLIC_A}ot",
            "usable_password": "false",
            "password1": "",
            "password2": "",
        },
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["username"] == [LOOKALIKE]
    assert not User.objects.filter(email="new@example.com").exists()


def test_the_admin_add_form_stores_the_nfkc_name() -> None:
    superuser = User.objects.create_superuser(
        email="root@example.com", username="root", password="pw-Long-enough-1"
    )
    client = Client()
    client.force_login(superuser)
    response = client.post(
        "/admin/accounts/user/add/",
        {
            "email": "new@example.com",
            "username": "\uff4a\uff55\uff4c\uff49\uff41",
            "usable_password": "false",
            "password1": "",
            "password2": "",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert User.objects.get(email="new@example.com").username == "julia"


@pytest.mark.parametrize(
    ("existing", "candidate"),
    [
        ("\u0431\u043e\u0440\u0438\u0441", "\u0411\u041e\u0420\u0418\u0421"),  # Cyrillic case
        ("\u00e9mile", "\u00c9MILE"),  # Latin-1 case, which SQLite's LOWER does not fold
        ("stra\u00dfe", "STRASSE"),  # case folding, not lower case
        (
            "\u03b3\u03b9\u03ce\u03c1\u03b3\u03bf\u03c2",
            "\u0393\u0399\u038f\u03a1\u0393\u039f\u03a3",
        ),  # Greek, final sigma
    ],
)
def test_non_ascii_names_differing_only_in_case_are_the_same_name_on_every_database(
    existing: str, candidate: str
) -> None:
    assert _register(existing, email="first@example.com").status_code == 201
    response = _register(candidate)
    assert response.status_code == 409
    assert response.json()["code"] == "username_taken"
    assert not User.objects.filter(email="new@example.com").exists()


def test_the_admin_add_form_refuses_a_case_folded_duplicate() -> None:
    superuser = User.objects.create_superuser(
        email="root@example.com", username="root", password="pw-Long-enough-1"
    )
    User.objects.create_user(email="zh@example.com", username="\u0436\u0430\u043d\u043d\u0430")
    client = Client()
    client.force_login(superuser)
    response = client.post(
        "/admin/accounts/user/add/",
        {
            "email": "new@example.com",
            "username": "\u0416\u0430\u043d\u043d\u0430",
            "usable_password": "false",
            "password1": "",
            "password2": "",
        },
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["username"] == ["This username is taken."]
    assert not User.objects.filter(email="new@example.com").exists()
