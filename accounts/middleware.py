"""A signed-in user's saved language on pages and in the admin."""

from __future__ import annotations

from collections.abc import Callable

from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse
from django.utils import translation

from accounts.languages import is_supported
from echo_disputes.middleware import is_api_path


class UserLanguageMiddleware:
    """After AuthenticationMiddleware: when the session's user saved a language, it wins over the
    language cookie and Accept-Language that LocaleMiddleware read. LocaleMiddleware's response
    half then writes Content-Language from the active language."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # The API answers in the request's language only (docs/i18n.md): a JSON client chooses
        # per request, not per account.
        if not is_api_path(request.path):
            self._apply_saved_language(request)
        return self.get_response(request)

    def _apply_saved_language(self, request: HttpRequest) -> None:
        try:
            user = getattr(request, "user", None)
            signed_in = user is not None and user.is_authenticated
        except DatabaseError:
            # The database is down: the view's own read of the user fails the same way, and
            # ApiErrorMiddleware answers that with the 503 page (in the browser's language).
            return
        language = getattr(user, "language", "") if signed_in else ""
        if language and is_supported(language):
            translation.activate(language)
            request.LANGUAGE_CODE = language
