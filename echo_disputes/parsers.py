"""The API's JSON parser: DRF's own, within limits a client cannot push past.

The standard library's decoder recurses once per nesting level, so a body of a thousand `[`
raises `RecursionError` (a 500 with a traceback) and a body of 200,000 keys costs seconds before a
serializer looks at it. The body is measured before it is decoded: its size (`JSON_MAX_BYTES`),
its nesting depth (`JSON_MAX_DEPTH`) and its number of object keys (`JSON_MAX_KEYS`). Past any of
them the request is refused with the project's error body; nothing is logged as an error.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Mapping
from typing import IO, Any

from django.conf import settings
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from rest_framework import status
from rest_framework.exceptions import APIException, ParseError
from rest_framework.parsers import JSONParser
from rest_framework.settings import api_settings
from rest_framework.utils import json

# A JSON string literal (escapes included), a structural character, or a lone quote. Scanning
# with finditer never starts inside a string, so a lone quote is an unterminated string: the
# scan stops there (linear time) and the decoder refuses the text.
TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}:"]', re.DOTALL)
OPENERS = frozenset("[{")
CLOSERS = frozenset("]}")


class BodyTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = _("The request body is too large.")
    default_code = "payload_too_large"


def json_limits_check(text: str) -> None:
    """Refuse (ParseError) a JSON text nested deeper than JSON_MAX_DEPTH or holding more than
    JSON_MAX_KEYS object keys, before any decoder recurses into it. Malformed text passes; the
    decoder refuses it afterwards."""
    max_depth: int = settings.JSON_MAX_DEPTH
    max_keys: int = settings.JSON_MAX_KEYS
    depth = keys = 0
    for match in TOKEN.finditer(text):
        token = match.group()
        if token in OPENERS:
            depth += 1
            if depth > max_depth:
                raise ParseError(
                    gettext("JSON parse error - nested deeper than %(depth)s levels.")
                    % {"depth": max_depth}
                )
        elif token in CLOSERS:
            depth -= 1
        elif token == ":":
            keys += 1
            if keys > max_keys:
                raise ParseError(
                    gettext("JSON parse error - more than %(keys)s object keys.")
                    % {"keys": max_keys}
                )
        elif token == '"':
            return


def json_bounded_loads(raw: bytes, encoding: str = "utf-8", **kwargs: Any) -> Any:
    """`json.loads` of a request body within the size, depth and key limits.

    Raises BodyTooLarge (413) past JSON_MAX_BYTES and ParseError (400) for anything else it
    cannot decode; never RecursionError."""
    max_bytes: int = settings.JSON_MAX_BYTES
    if len(raw) > max_bytes:
        raise BodyTooLarge(
            gettext("The request body is larger than %(max_bytes)s bytes.")
            % {"max_bytes": max_bytes}
        )
    try:
        text = codecs.decode(raw, encoding)
    except (UnicodeDecodeError, LookupError) as exc:
        raise ParseError(gettext("JSON parse error - %(error)s") % {"error": exc}) from None
    json_limits_check(text)
    try:
        return json.loads(text, **kwargs)
    except (ValueError, RecursionError) as exc:
        raise ParseError(gettext("JSON parse error - %(error)s") % {"error": exc}) from None


class BoundedJSONParser(JSONParser):
    """DRF's JSONParser (same media type, same strict constants) with bounded work."""

    def parse(
        self,
        stream: IO[Any],
        media_type: str | None = None,
        parser_context: Mapping[str, Any] | None = None,
    ) -> Any:
        context = parser_context or {}
        encoding = context.get("encoding", settings.DEFAULT_CHARSET)
        max_bytes: int = settings.JSON_MAX_BYTES
        # One byte more than allowed tells "too large" from "exactly the limit".
        raw = stream.read(max_bytes + 1)
        strict = api_settings.STRICT_JSON
        return json_bounded_loads(
            raw, encoding, parse_constant=json.strict_constant if strict else None
        )
