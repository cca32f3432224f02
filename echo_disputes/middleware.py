"""Middleware that keeps /api/ and /openapi/ answering ECHO clients the way they expect, and
refuses request values no view should see."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.db import DatabaseError, InterfaceError, OperationalError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.middleware.locale import LocaleMiddleware as DjangoLocaleMiddleware
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from echo_disputes.errors import (
    error_body,
    finance_error_body,
    is_finance_path,
    json_error_response,
)
from echo_disputes.i18n import request_language

logger = logging.getLogger("echo_disputes.errors")

API_PREFIXES = ("/api/", "/openapi/")
RETRY_AFTER_SECONDS = "5"
# C0 controls, DEL and C1 controls. A form's text may hold tab and line breaks; a query never.
QUERY_FORBIDDEN = re.compile(r"[\x00-\x1f\x7f-\x9f]")
FORM_FORBIDDEN = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"


def is_api_path(path: str) -> bool:
    return path.startswith(API_PREFIXES)


def database_unavailable(exception: Exception) -> bool:
    """Whether an exception means the database is gone rather than a bug. psycopg reports most
    outages as OperationalError or InterfaceError, but a statement cut off mid-way can surface as
    another DatabaseError; what tells the two apart is whether the open connection still answers."""
    if isinstance(exception, (OperationalError, InterfaceError)):
        return True
    return (
        isinstance(exception, DatabaseError)
        and connection.connection is not None
        and not connection.is_usable()
    )


class ApiErrorMiddleware:
    """Under /api/ every response is JSON: Django's own 404/405/500 pages never leak out.

    DRF views already answer through the exception handler; this covers what happens outside them
    (an unknown URL, an exception in a non-DRF view, the database going away).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            is_api_path(request.path)
            and response.status_code >= 400
            and not response.get("Content-Type", "").startswith("application/json")
        ):
            # Outside LocaleMiddleware: the request's language is applied here.
            with translation.override(request_language(request)):
                replacement = json_error_response(request, response.status_code)
            # Keep what the inner middleware added (security headers, Allow, Retry-After).
            for header, value in response.items():
                if header.lower() not in ("content-type", "content-length"):
                    replacement.setdefault(header, value)
            return replacement
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        with translation.override(request_language(request)):
            return self._answer(request, exception)

    def _answer(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if database_unavailable(exception):
            logger.error(
                "database unavailable on %s %s: %s", request.method, request.path, exception
            )
            response: HttpResponse
            if is_api_path(request.path):
                response = json_error_response(request, 503)
            else:
                # Pages and the admin: a plain page that needs no database (no context
                # processors, no session), never the HTML 500 of an unhandled error.
                response = HttpResponse(render_to_string("503.html"), status=503)
            response["Retry-After"] = RETRY_AFTER_SECONDS
            return response
        if is_api_path(request.path):
            # Django answers these itself with 400, but DRF re-raises them from request.data and
            # the catch-all below would turn a client's oversized or malformed upload into a 500.
            if isinstance(exception, RequestDataTooBig):
                logger.warning("request body too large on %s %s", request.method, request.path)
                return json_error_response(request, 413)
            if isinstance(exception, SuspiciousOperation):
                logger.warning(
                    "suspicious request on %s %s: %s", request.method, request.path, exception
                )
                return json_error_response(request, 400)
            if isinstance(exception, DatabaseError):
                logger.exception("database error on %s %s", request.method, request.path)
            else:
                logger.exception("unhandled error on %s %s", request.method, request.path)
            return json_error_response(request, 500)
        return None


class UrlLengthMiddleware:
    """Refuse a URL (path and query string) longer than URL_MAX_LENGTH characters with 414: JSON
    under /api/ (`code: "uri_too_long"`) and /openapi/ (the finance envelope), a plain page
    elsewhere. gunicorn lets long request lines through (echo_disputes/gunicorn_conf.py) so
    that this answer, not gunicorn's HTML 414, is what a client reads; no view, filter or query
    parser sees the value."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        limit: int = settings.URL_MAX_LENGTH
        # Measured as received, without decoding the query string (no QueryDict is built).
        length = len(request.path) + len(request.META.get("QUERY_STRING", ""))
        if length <= limit:
            return self.get_response(request)
        logger.warning(
            "URL of %d characters refused on %s %s", length, request.method, request.path[:200]
        )
        # Before LocaleMiddleware: the request's language is applied here.
        with translation.override(request_language(request)):
            message = _("The URL is longer than %(limit)s characters.") % {"limit": limit}
        if is_finance_path(request.path):
            return JsonResponse({"code": "URITooLong", "message": message}, status=414)
        if is_api_path(request.path):
            return JsonResponse(error_body(message, "uri_too_long"), status=414)
        return HttpResponse(message, status=414, content_type="text/plain; charset=utf-8")


def _first_forbidden(values: QueryDict, pattern: re.Pattern[str]) -> str | None:
    for key, items in values.lists():
        if pattern.search(key) or any(pattern.search(item) for item in items):
            return key
    return None


class ControlCharacterMiddleware:
    """Refuse a query string or form value holding NUL or another control character: 400, JSON
    under /api/ and /openapi/, a plain page elsewhere. PostgreSQL refuses NUL in text (an
    error, a 500, where a filter or a search passes it on), and no view means to receive one.

    Only URL-encoded forms are read here: parsing a multipart body would consume the upload
    before the view's own upload handlers run. JSON strings are checked by the serializers
    (DRF's CharField refuses NUL)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        where, name = "query", _first_forbidden(request.GET, QUERY_FORBIDDEN)
        if name is None and request.content_type == FORM_CONTENT_TYPE:
            where, name = "form", _first_forbidden(request.POST, FORM_FORBIDDEN)
        if name is None:
            return self.get_response(request)
        logger.warning(
            "control character in %s parameter on %s %s", where, request.method, request.path
        )
        # Before LocaleMiddleware: the request's language is applied here.
        with translation.override(request_language(request)):
            if where == "query":
                message = _("The query parameter %(name)r holds a control character.")
            else:
                message = _("The form parameter %(name)r holds a control character.")
            message %= {"name": name}
            refusal = _("Control characters are not allowed.")
        if is_finance_path(request.path):
            return JsonResponse(finance_error_body(400, message), status=400)
        if is_api_path(request.path):
            details = {name: [refusal]}
            return JsonResponse(error_body(message, "invalid_characters", details), status=400)
        return HttpResponse(message, status=400, content_type="text/plain; charset=utf-8")


class LocaleMiddleware(DjangoLocaleMiddleware):
    """Django's LocaleMiddleware (the language cookie, else Accept-Language), except on the
    finance API: its client is the payment provider, a program, answered in English always."""

    def process_request(self, request: HttpRequest) -> None:
        if is_finance_path(request.path):
            translation.activate(settings.LANGUAGE_CODE)
            request.LANGUAGE_CODE = translation.get_language()
            return
        super().process_request(request)
