"""A JSON body the API cannot decode within its limits is refused with the error body, never a
500 with a traceback (echo_disputes/parsers.py)."""

from __future__ import annotations

import io
import json
import logging
from typing import Any

import pytest
from django.test import override_settings
from hypothesis import given, settings
from hypothesis import strategies as st
from rest_framework.exceptions import ParseError
from rest_framework.test import APIClient

from accounts.models import User
from echo_disputes.parsers import BodyTooLarge, BoundedJSONParser

pytestmark = pytest.mark.django_db

ANONYMOUS_JSON_ENDPOINTS = [
    "/api/users/login",
    "/api/auth/token/",
    "/api/auth/token/refresh/",
    "/api/auth/logout/",
]


def _post(path: str, body: str | bytes) -> Any:
    return APIClient().post(path, data=body, content_type="application/json")


@pytest.mark.parametrize("path", ANONYMOUS_JSON_ENDPOINTS)
def test_a_thousand_levels_of_nesting_is_400_json_without_a_traceback(
    path: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        response = _post(path, "[" * 1000 + "]" * 1000)
    assert response.status_code == 400
    assert response.json() == {
        "error": "JSON parse error - nested deeper than 32 levels.",
        "code": "parse_error",
        "details": {},
    }
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


@pytest.mark.parametrize("path", ANONYMOUS_JSON_ENDPOINTS)
def test_unclosed_deep_nesting_inside_an_object_is_400(path: str) -> None:
    response = _post(path, '{"email": ' + '{"a": ' * 5000)
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


def test_too_many_keys_is_400_and_nothing_is_registered() -> None:
    body: dict[str, Any] = {f"k{i}": i for i in range(1001)}
    body |= {"email": "many@example.com", "username": "many", "password": "pw-Long-enough-1"}
    response = _post("/api/users/register", json.dumps(body))
    assert response.status_code == 400
    assert response.json() == {
        "error": "JSON parse error - more than 1000 object keys.",
        "code": "parse_error",
        "details": {},
    }
    assert not User.objects.filter(email="many@example.com").exists()


def test_a_body_past_the_size_limit_is_413_json() -> None:
    with override_settings(JSON_MAX_BYTES=1000):
        response = _post("/api/users/login", json.dumps({"email": "x" * 1000, "password": "p"}))
    assert response.status_code == 413
    assert response.json() == {
        "error": "The request body is larger than 1000 bytes.",
        "code": "payload_too_large",
        "details": {},
    }


def test_colons_and_brackets_inside_strings_are_not_structure() -> None:
    text = json.dumps({"email": "[[[[{{{{::::" * 100, "password": "]]]}}}"})
    response = _post("/api/users/login", text)
    # Decoded and handed to the view, which refuses the credentials: not a parse error.
    assert response.json()["code"] != "parse_error"


def _nested(depth: int, keys: int) -> Any:
    value: Any = {f"k{i}": i for i in range(keys)} if keys else 0
    for _ in range(depth):
        value = [value]
    return value


def _depth(value: Any) -> int:
    if isinstance(value, dict):
        return 1 + max((_depth(v) for v in value.values()), default=0)
    if isinstance(value, list):
        return 1 + max((_depth(v) for v in value), default=0)
    return 0


def _keys(value: Any) -> int:
    if isinstance(value, dict):
        return len(value) + sum(_keys(v) for v in value.values())
    if isinstance(value, list):
        return sum(_keys(v) for v in value)
    return 0


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(alphabet='[]{}:,"\\ab\n'),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.text(alphabet='[]{}:"\\ab', max_size=4), children, max_size=4)
    ),
    max_leaves=30,
)


@settings(max_examples=300, deadline=None)
@given(
    value=JSON_VALUES,
    max_depth=st.integers(min_value=1, max_value=6),
    max_keys=st.integers(min_value=0, max_value=8),
)
def test_the_parser_accepts_exactly_what_is_within_the_limits(
    value: Any, max_depth: int, max_keys: int
) -> None:
    body = json.dumps(value).encode()
    within = _depth(value) <= max_depth and _keys(value) <= max_keys
    with override_settings(JSON_MAX_DEPTH=max_depth, JSON_MAX_KEYS=max_keys):
        if within:
            assert BoundedJSONParser().parse(io.BytesIO(body)) == value
        else:
            with pytest.raises(ParseError):
                BoundedJSONParser().parse(io.BytesIO(body))


@settings(max_examples=100, deadline=None)
@given(depth=st.integers(min_value=1, max_value=3000), keys=st.integers(0, 3000))
def test_the_parser_never_raises_anything_but_a_client_error(depth: int, keys: int) -> None:
    body = json.dumps(_nested(min(depth, 900), keys)).encode() + b"[" * depth
    with pytest.raises((ParseError, BodyTooLarge)):
        BoundedJSONParser().parse(io.BytesIO(body))
