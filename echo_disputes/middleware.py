"""Middleware that keeps /api/ and /openapi/ answering ECHO clients the way they expect."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.db import DatabaseError, InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse

from echo_disputes.errors import json_error_response

logger = logging.getLogger("echo_disputes.errors")

API_PREFIXES = ("/api/", "/openapi/")


def is_api_path(path: str) -> bool:
    return path.startswith(API_PREFIXES)


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
            replacement = json_error_response(request, response.status_code)
            # Keep what the inner middleware added (security headers, Allow, Retry-After).
            for header, value in response.items():
                if header.lower() not in ("content-type", "content-length"):
                    replacement.setdefault(header, value)
            return replacement
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, (OperationalError, InterfaceError)):
            logger.error(
                "database unavailable on %s %s: %s", request.method, request.path, exception
            )
            if is_api_path(request.path):
                response = json_error_response(request, 503)
                response["Retry-After"] = "5"
                return response
            return None
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
