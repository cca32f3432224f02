"""How an event's JSON keeps money exact: `Decimal` in, the same number literal out.

The party API writes money as the JSON number `24.50` (docs/design.md §6), never through a float.
The standard library's `json` turns a `Decimal` into nothing at all (TypeError), and a float would
store `24.5`; simplejson's documented `use_decimal` writes the literal and reads it back as a
`Decimal`. PostgreSQL's jsonb keeps a number's scale (`24.50` stays `24.50`), SQLite keeps the
text as written, so an event reads back on both exactly as it was emitted.
"""

from __future__ import annotations

import json
from typing import Any

import simplejson  # type: ignore[import-untyped]  # no stubs in the dev set


def dumps(value: Any) -> str:
    """The JSON text of an event body (or its data): compact, money as exact number literals.
    The bytes a webhook signs and sends are `dumps(event.body).encode()`."""
    text: str = simplejson.dumps(
        value, use_decimal=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )
    return text


class EventJSONEncoder(json.JSONEncoder):
    """For `JSONField(encoder=...)`: Django calls `json.dumps(value, cls=encoder)`, which calls
    `encode`, so the text comes from `dumps` above."""

    def encode(self, o: Any) -> str:
        return dumps(o)


class EventJSONDecoder(json.JSONDecoder):
    """For `JSONField(decoder=...)`: JSON numbers with a fraction come back as `Decimal`, which
    the API's renderer (and `dumps`) write as the same literal."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("parse_float", _decimal)
        super().__init__(*args, **kwargs)


def _decimal(text: str) -> Any:
    from decimal import Decimal

    return Decimal(text)
