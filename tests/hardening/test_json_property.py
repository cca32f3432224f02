"""Property: through the public HTTP entry points (the API login and a message POST on a dispute),
a JSON body is handed to the view exactly when it is within JSON_MAX_BYTES, JSON_MAX_DEPTH and
JSON_MAX_KEYS (echo_disputes/parsers.py::BoundedJSONParser); past any of them the answer is the
project's error body (413 for the size, 400 parse_error for depth and keys). Never a 500, never
anything logged at ERROR.

The documents are drawn around the limits: a nesting depth, a number of extra keys and a padding
of whitespace each a few steps either side of the limit in force. The size limit is drawn too (a
2.5 MiB body per example would make the test slow, not stronger); depth and keys are the
settings' own.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.test import override_settings
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from accounts.models import User
from disputes.models import Message
from tests.conftest import bearer
from tests.factories import PASSWORD, UserFactory, make_dispute

pytestmark = pytest.mark.django_db

MAX_DEPTH: int = django_settings.JSON_MAX_DEPTH
MAX_KEYS: int = django_settings.JSON_MAX_KEYS
UNKNOWN_NAMED = 10  # echo_disputes/serializers.py: the first ten unknown fields are named


@dataclass(frozen=True)
class Shape:
    """A JSON object: the endpoint's own fields, `extra` unknown flat keys, then `nest` lists deep
    under the key "nest" (none when 0), then spaces up to `size_offset` bytes from the size limit
    (no padding when None)."""

    extra: int
    nest: int
    size_offset: int | None

    def text(self, fields: dict[str, Any], max_bytes: int) -> str:
        document = dict(fields) | {f"k{i}": i for i in range(self.extra)}
        body = json.dumps(document, separators=(",", ":"))
        if self.nest:
            body = body[:-1] + ',"nest":' + "[" * self.nest + "]" * self.nest + "}"
        if self.size_offset is None:
            return body
        return body + " " * max(0, max_bytes + self.size_offset - len(body.encode()))

    def depth(self) -> int:
        return 1 + self.nest

    def keys(self, fields: dict[str, Any]) -> int:
        return len(fields) + self.extra + (1 if self.nest else 0)

    def unknown(self) -> list[str]:
        return [f"k{i}" for i in range(self.extra)] + (["nest"] if self.nest else [])


def _around(limit: int, spread: int = 3) -> st.SearchStrategy[int]:
    return st.integers(min_value=max(0, limit - spread), max_value=limit + spread)


SHAPES = st.builds(
    Shape,
    extra=st.one_of(st.just(0), st.integers(0, 5), _around(MAX_KEYS - 2)),
    nest=st.one_of(st.just(0), st.integers(0, 3), _around(MAX_DEPTH - 1), st.just(1000)),
    size_offset=st.one_of(st.none(), st.integers(min_value=-3, max_value=3)),
)
SIZE_LIMITS = st.integers(min_value=12_000, max_value=40_000)


def _expected_refusal(shape: Shape, fields: dict[str, Any], text: str, max_bytes: int) -> Any:
    """The parser's answer, or None where the body is within every limit."""
    if len(text.encode()) > max_bytes:
        return 413, {
            "error": f"The request body is larger than {max_bytes} bytes.",
            "code": "payload_too_large",
            "details": {},
        }
    # The keys come before the nesting in the text: the scan meets the key limit first.
    if shape.keys(fields) > MAX_KEYS:
        message = f"JSON parse error - more than {MAX_KEYS} object keys."
    elif shape.depth() > MAX_DEPTH:
        message = f"JSON parse error - nested deeper than {MAX_DEPTH} levels."
    else:
        return None
    return 400, {"error": message, "code": "parse_error", "details": {}}


def _check(
    post: Callable[[str], Any],
    fields: dict[str, Any],
    success: int,
    shape: Shape,
    max_bytes: int,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # Each example is its own attack: the login and post throttles count per example only.
    cache.clear()
    caplog.clear()
    text = shape.text(fields, max_bytes)
    with override_settings(JSON_MAX_BYTES=max_bytes), caplog.at_level(logging.WARNING):
        response = post(text)
    assert response["Content-Type"] == "application/json"
    refusal = _expected_refusal(shape, fields, text, max_bytes)
    event(refusal[1]["code"] + str(refusal[0]) if refusal else "decoded")
    if refusal is not None:
        assert (response.status_code, response.json()) == refusal
    elif shape.unknown():
        # Decoded and handed to the view, whose serializer names the unknown fields.
        assert response.status_code == 400
        body = response.json()
        assert body["code"] == "validation_error"
        named = set(body["details"]) - {"non_field_errors"}
        assert named == set(sorted(shape.unknown()[:UNKNOWN_NAMED]))
    else:
        assert response.status_code == success, response.content
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


COMMON = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@COMMON
@given(shape=SHAPES, max_bytes=SIZE_LIMITS)
def test_the_login_decodes_exactly_the_bodies_within_the_limits(
    shape: Shape, max_bytes: int, caplog: pytest.LogCaptureFixture
) -> None:
    if not User.objects.filter(email="limits@example.com").exists():
        UserFactory.create(email="limits@example.com")
    fields = {"email": "limits@example.com", "password": PASSWORD}

    def post(text: str) -> Any:
        return APIClient().post("/api/users/login", data=text, content_type="application/json")

    _check(post, fields, 200, shape, max_bytes, caplog)


@COMMON
@given(shape=SHAPES, max_bytes=SIZE_LIMITS)
def test_a_message_post_decodes_exactly_the_bodies_within_the_limits(
    shape: Shape, max_bytes: int, caplog: pytest.LogCaptureFixture
) -> None:
    dispute = make_dispute()
    fields = {"message": "The parcel is still missing."}
    client = APIClient()
    client.credentials(**bearer(dispute.buyer))

    def post(text: str) -> Any:
        return client.post(
            f"/api/disputes/{dispute.pk}/messages", data=text, content_type="application/json"
        )

    before = Message.objects.filter(dispute=dispute).count()
    _check(post, fields, 201, shape, max_bytes, caplog)
    stored = Message.objects.filter(dispute=dispute).count() - before
    within = _expected_refusal(shape, fields, shape.text(fields, max_bytes), max_bytes) is None
    assert stored == (1 if within and not shape.unknown() else 0)
