"""Domain error types and the one place that turns any error under /api/ into the error body.

Services raise the domain errors below; interfaces never catch them to pick a status code. The API
exception handler maps them, the pages show them as form errors, the admin as messages.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, JsonResponse
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise
from rest_framework import exceptions as drf_exceptions
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_default_handler

logger = logging.getLogger("echo_disputes.errors")

FINANCE_PREFIX = "/openapi/"


class DomainError(Exception):
    """A refused request whose reason the caller may read."""

    status_code: int = status.HTTP_400_BAD_REQUEST
    default_code: str = "invalid"
    default_message: StrOrPromise = _("The request was refused.")

    def __init__(
        self,
        message: StrOrPromise | None = None,
        *,
        code: str | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        self.message = message or self.default_message
        self.code = code or self.default_code
        self.details = details or {}
        super().__init__(self.message)

    def response_headers(self) -> dict[str, str]:
        """Headers the answer carries (a lock-out's Retry-After); none by default."""
        return {}


class InvalidInput(DomainError):
    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "validation_error"
    default_message = _("The request is not valid.")


class NotAllowed(DomainError):
    status_code = status.HTTP_403_FORBIDDEN
    default_code = "permission_denied"
    default_message = _("You do not have permission to perform this action.")


class NotFound(DomainError):
    status_code = status.HTTP_404_NOT_FOUND
    default_code = "not_found"
    default_message = _("Not found.")


class PayloadTooLarge(DomainError):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "file_too_large"
    default_message = _("The file is too large.")


class UnsupportedFile(DomainError):
    status_code = status.HTTP_415_UNSUPPORTED_MEDIA_TYPE
    default_code = "unsupported_file_type"
    default_message = _("This kind of file is not accepted.")


class Conflict(DomainError):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"
    default_message = _("The request conflicts with the current state.")


class ServiceUnavailable(DomainError):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_code = "service_unavailable"
    default_message = _("The service is temporarily unavailable. Try again shortly.")


DRF_CODES: dict[type[drf_exceptions.APIException], str] = {
    drf_exceptions.ParseError: "parse_error",
    drf_exceptions.ValidationError: "validation_error",
    drf_exceptions.NotAuthenticated: "not_authenticated",
    drf_exceptions.AuthenticationFailed: "authentication_failed",
    drf_exceptions.PermissionDenied: "permission_denied",
    drf_exceptions.NotFound: "not_found",
    drf_exceptions.MethodNotAllowed: "method_not_allowed",
    drf_exceptions.NotAcceptable: "not_acceptable",
    drf_exceptions.UnsupportedMediaType: "unsupported_media_type",
    drf_exceptions.Throttled: "throttled",
}

STATUS_CODES: dict[int, tuple[str, StrOrPromise]] = {
    400: ("bad_request", _("The request is not valid.")),
    401: ("not_authenticated", _("Authentication credentials were not provided or are not valid.")),
    403: ("permission_denied", _("You do not have permission to perform this action.")),
    404: ("not_found", _("Not found.")),
    405: ("method_not_allowed", _("Method not allowed.")),
    409: ("conflict", _("The request conflicts with the current state.")),
    413: ("payload_too_large", _("The request body is too large.")),
    415: ("unsupported_media_type", _("Unsupported media type.")),
    429: ("throttled", _("Too many requests. Try again later.")),
    500: ("server_error", _("An unexpected error occurred. It has been logged.")),
    503: ("service_unavailable", _("The service is temporarily unavailable. Try again shortly.")),
}

FINANCE_CODES: dict[int, str] = {
    400: "InvalidParameter",
    401: "Unauthorized",
    403: "Forbidden",
    404: "NotFound",
    405: "MethodNotAllowed",
    406: "NotAcceptable",
    413: "PayloadTooLarge",
    415: "UnsupportedMediaType",
    429: "TooManyRequests",
    500: "ServerError",
    503: "ServiceUnavailable",
}


def error_body(
    message: StrOrPromise, code: str, details: dict[str, Any] | None = None
) -> dict[str, Any]:
    return {"error": message, "code": code, "details": details or {}}


def finance_error_body(status_code: int, message: StrOrPromise) -> dict[str, StrOrPromise]:
    return {"code": FINANCE_CODES.get(status_code, "ServerError"), "message": message}


def is_finance_path(path: str) -> bool:
    return path.startswith(FINANCE_PREFIX)


def _flatten_details(detail: Any) -> dict[str, Any]:
    """DRF details become {field: [messages]}; a bare list or string goes under non_field_errors."""
    if isinstance(detail, dict):
        flat: dict[str, Any] = {}
        for key, value in detail.items():
            if isinstance(value, dict):
                flat[key] = _flatten_details(value)
            elif isinstance(value, list):
                flat[key] = [
                    str(v) if not isinstance(v, dict) else _flatten_details(v) for v in value
                ]
            else:
                flat[key] = [str(value)]
        return flat
    if isinstance(detail, list):
        return {"non_field_errors": [str(v) for v in detail]}
    return {}


def _first_message(details: dict[str, Any], fallback: StrOrPromise) -> StrOrPromise:
    for key, value in details.items():
        if isinstance(value, list) and value and isinstance(value[0], str):
            return value[0] if key == "non_field_errors" else f"{key}: {value[0]}"
    return fallback


def _drf_code(exc: drf_exceptions.APIException) -> str:
    for klass in type(exc).__mro__:
        if klass in DRF_CODES:
            return DRF_CODES[klass]  # type: ignore[index]
    return STATUS_CODES.get(exc.status_code, ("error", ""))[0]


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's exception handler: one error body for every refused request under /api/."""
    request = context.get("request")
    finance = request is not None and is_finance_path(request.path)

    if isinstance(exc, DomainError):
        message: StrOrPromise
        status_code, message, code, details = exc.status_code, exc.message, exc.code, exc.details
        headers: dict[str, str] = exc.response_headers()
    else:
        if isinstance(exc, DjangoValidationError):
            exc = drf_exceptions.ValidationError(
                exc.message_dict if hasattr(exc, "error_dict") else exc.messages
            )
        response = drf_default_handler(exc, context)
        if response is None:
            return None
        status_code = response.status_code
        headers = {
            k: v
            for k, v in response.headers.items()
            if k in ("WWW-Authenticate", "Retry-After", "Allow")
        }
        if isinstance(exc, drf_exceptions.ValidationError):
            details = _flatten_details(exc.detail)
            message = _first_message(details, _("The request is not valid."))
            code = "validation_error"
        elif isinstance(exc, drf_exceptions.APIException):
            details = {}
            message = (
                str(exc.detail)
                if not isinstance(exc.detail, (dict, list))
                else str(exc.default_detail)
            )
            code = _drf_code(exc)
            if isinstance(exc, drf_exceptions.AuthenticationFailed) and isinstance(
                exc.detail, dict
            ):
                message = str(exc.detail.get("detail", exc.default_detail))
        elif isinstance(exc, Http404):
            details, message, code = {}, _("Not found."), "not_found"
        elif isinstance(exc, DjangoPermissionDenied):
            details, message, code = {}, STATUS_CODES[403][1], "permission_denied"
        else:
            details, message, code = (
                {},
                STATUS_CODES.get(status_code, ("error", _("Error")))[1],
                "error",
            )

    if finance:
        return Response(
            finance_error_body(status_code, message), status=status_code, headers=headers
        )
    return Response(error_body(message, code, details), status=status_code, headers=headers)


def json_error_response(
    request: HttpRequest, status_code: int, message: StrOrPromise | None = None
) -> JsonResponse:
    code, default_message = STATUS_CODES.get(status_code, ("error", _("Error")))
    text = message or default_message
    if is_finance_path(request.path):
        return JsonResponse(finance_error_body(status_code, text), status=status_code)
    return JsonResponse(error_body(text, code), status=status_code)
