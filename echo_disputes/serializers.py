"""Serializer building blocks shared by every app's API."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from babel import Locale
from babel.numbers import get_territory_currencies
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema_field
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
                details: dict[str, list[str]] = {name: [_("Unknown field.")] for name in named}
                more = len(unknown) - len(named)
                if more:
                    details["non_field_errors"] = [
                        _("And %(more)s more unknown field(s).") % {"more": more}
                    ]
                raise serializers.ValidationError(details)
        elif data is not None and not isinstance(data, dict):
            raise serializers.ValidationError({"non_field_errors": [_("Expected a JSON object.")]})
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


def currencies_in_use(day: date) -> frozenset[str]:
    """ISO 4217 codes that are legal tender in some territory on `day`, from Babel's copy of the
    Unicode CLDR (a maintained list)."""
    return frozenset(
        code
        for territory in map(str, Locale("en").territories)
        for code in get_territory_currencies(territory, start_date=day, end_date=day, tender=True)
    )


# Read once per process (a deploy picks up a newer Babel); the schema's CurrencyEnum lists them.
CURRENCY_CODES: tuple[str, ...] = tuple(sorted(currencies_in_use(datetime.now(UTC).date())))


@extend_schema_field({"type": "string", "enum": list(CURRENCY_CODES)})
class CurrencyField(serializers.RegexField):
    """An ISO 4217 code in use (`CURRENCY_CODES`): `ZZZ`, the test code `XTS`, `XXX` and retired
    codes such as `DEM` are refused."""

    default_error_messages = {
        "invalid": gettext_lazy("Use a three-letter ISO 4217 code, e.g. EUR."),
        # DRF fills it with str.format (`self.fail("unknown", code=...)`).
        "unknown": gettext_lazy("{code} is not an ISO 4217 currency in use."),
    }

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(r"^[A-Z]{3}$", **kwargs)

    def run_validation(self, data: Any = serializers.empty) -> Any:
        # After the pattern's validator, so a malformed code gets the one message about its shape.
        code = super().run_validation(data)
        if code is not None and code not in CURRENCY_CODES:
            self.fail("unknown", code=code)
        return code
