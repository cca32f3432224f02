"""Translation helpers shared by the apps (docs/i18n.md)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils import translation
from django.utils.functional import lazy

FINANCE_PREFIX = "/openapi/"


def _interpolate(message: Any, params: Mapping[str, Any]) -> str:
    return str(message) % params


# `gettext_lazy("... %(name)s ...") % {...}` would translate at once, in the language active
# now; a mail is written for each recipient later, in theirs. This keeps both the message and the
# interpolation lazy: `str()` under `translation.override(language)` gives that language's text.
interpolate_lazy = lazy(_interpolate, str)


def request_language(request: HttpRequest) -> str:
    """The language of a request, for what answers before LocaleMiddleware runs (or without it):
    the language cookie, else Accept-Language, else LANGUAGE_CODE. The finance API answers the
    payment provider, a machine, in English always."""
    if request.path.startswith(FINANCE_PREFIX):
        return str(settings.LANGUAGE_CODE)
    return translation.get_language_from_request(request)


def user_language(user: Any) -> str:
    """The language of a user's mail: the saved one, else LANGUAGE_CODE."""
    language = getattr(user, "language", "") or ""
    codes = {code for code, _name in settings.LANGUAGES}
    return language if language in codes else str(settings.LANGUAGE_CODE)
