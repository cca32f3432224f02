"""Serializer building blocks shared by every app's API."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from rest_framework import serializers


class StrictInputSerializer(serializers.Serializer):
    """Input serializer that refuses fields it does not know (docs/design.md §6: an unknown field
    is 400).

    A typo such as `reasoncode` would otherwise be dropped silently and the caller would never learn
    that the value was ignored.
    """

    # The error names this many unknown fields and counts the rest: a body of many unknown keys
    # gets a short answer, not one entry per key.
    UNKNOWN_FIELDS_NAMED = 10

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, dict):
            unknown = [name for name in data if name not in self.fields]
            if unknown:
                named = sorted(unknown[: self.UNKNOWN_FIELDS_NAMED])
                details: dict[str, list[str]] = {name: ["Unknown field."] for name in named}
                more = len(unknown) - len(named)
                if more:
                    details["non_field_errors"] = [f"And {more} more unknown field(s)."]
                raise serializers.ValidationError(details)
        elif data is not None and not isinstance(data, dict):
            raise serializers.ValidationError({"non_field_errors": ["Expected a JSON object."]})
        return super().to_internal_value(data)


CENT = Decimal("0.01")

# The description of a money field in a request schema. The schema states the string form, whose
# pattern carries the two-decimal rule; a JSON number is accepted as well (ECHO sends numbers), but
# JSON Schema's `multipleOf: 0.01` cannot say "two decimals" of a binary float.
MONEY_INPUT_HELP = 'A JSON number (24.50) or a numeric string ("24.50"), at most two decimals.'


def money_text(value: Any) -> str | None:
    """What MoneyField writes by default (the finance API's "50.00"), for serializers that build
    their dict directly."""
    return None if value is None else f"{value:.2f}"


def money_number(value: Any) -> Decimal | None:
    """What a party MoneyField (`coerce_to_string=False`) writes: the amount with two decimals as
    a `Decimal`, which `echo_disputes.renderers.DecimalJSONRenderer` writes as the JSON number
    `24.50` (docs/design.md §6). For serializers that build their dict directly."""
    return None if value is None else Decimal(value).quantize(CENT)


class MoneyField(serializers.DecimalField):
    """Money on the wire, two decimals. By default a string ("50.00", the finance API); with
    `coerce_to_string=False` a JSON number (24.50, the party API). Input accepts a JSON number or
    a numeric string either way.
    """

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_digits", 12)
        kwargs.setdefault("decimal_places", 2)
        kwargs.setdefault("coerce_to_string", True)
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> Decimal:
        if isinstance(data, bool):
            self.fail("invalid")
        return super().to_internal_value(data)


class CurrencyField(serializers.RegexField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            r"^[A-Z]{3}$",
            error_messages={"invalid": "Use a three-letter ISO 4217 code, e.g. EUR."},
            **kwargs,
        )
