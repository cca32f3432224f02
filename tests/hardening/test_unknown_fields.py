"""A body of many unknown fields costs bounded work and answers a short error
(echo_disputes/serializers.py::StrictInputSerializer, the key limit of echo_disputes/parsers.py)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from rest_framework.test import APIClient

from accounts.models import User

pytestmark = pytest.mark.django_db

REGISTRATION = {"email": "new@example.com", "username": "newcomer", "password": "pw-Long-enough-1"}


def _register(body: dict[str, Any]) -> Any:
    text = json.dumps(body, separators=(",", ":"))
    return APIClient().post("/api/users/register", data=text, content_type="application/json")


def test_two_hundred_thousand_unknown_keys_are_refused_by_the_parser() -> None:
    # The bound is the key count, checked before the body is decoded; the time it saves is the
    # soak benchmark's to show, not a timed test's.
    body = {f"k{i}": 0 for i in range(200_000)} | REGISTRATION
    response = _register(body)
    assert response.status_code == 400
    assert response.json() == {
        "error": "JSON parse error - more than 1000 object keys.",
        "code": "parse_error",
        "details": {},
    }
    assert len(response.content) < 200
    assert not User.objects.filter(email="new@example.com").exists()


def test_unknown_fields_are_named_up_to_ten_and_the_rest_counted() -> None:
    body = {f"field{i:03}": 1 for i in range(900)} | REGISTRATION
    response = _register(body)
    assert response.status_code == 400
    assert response.json() == {
        "error": "field000: Unknown field.",
        "code": "validation_error",
        "details": {
            **{f"field{i:03}": ["Unknown field."] for i in range(10)},
            "non_field_errors": ["And 890 more unknown field(s)."],
        },
    }
    assert len(response.content) < 1000
    assert not User.objects.filter(email="new@example.com").exists()


def test_up_to_ten_unknown_fields_are_all_named_with_no_count() -> None:
    response = _register(REGISTRATION | {"is_staff": True, "roles": ["ADMIN"]})
    assert response.status_code == 400
    assert response.json()["details"] == {
        "is_staff": ["Unknown field."],
        "roles": ["Unknown field."],
    }
    assert not User.objects.filter(email="new@example.com").exists()
