"""`{{ amount|money:currency }}`: an amount of money written the way the active language writes it.

Babel's CLDR data knows each locale's symbol, its place and the separators ("€12.50" in English,
"12,50 €" in Spanish); Django's own number formatting knows none of the currency conventions.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from babel.core import UnknownLocaleError
from babel.numbers import format_currency
from django import template
from django.conf import settings
from django.utils import translation

register = template.Library()


def format_money(amount: Decimal | str | int | None, currency: str) -> str:
    """`amount` of `currency` (an ISO 4217 code) in the active language; "" for no amount."""
    if amount is None or amount == "":
        return ""
    try:
        value = Decimal(str(amount))
    except InvalidOperation:
        # Not a number (an old event payload, say): show it as it is rather than fail the page.
        return f"{amount} {currency}".strip()
    locale = translation.to_locale(translation.get_language() or settings.LANGUAGE_CODE)
    try:
        return format_currency(value, currency, locale=locale)
    except UnknownLocaleError:
        return format_currency(value, currency, locale="en")


@register.filter
def money(amount: Decimal | str | int | None, currency: str) -> str:
    return format_money(amount, currency)
