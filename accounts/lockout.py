"""Login lock-out: the glue between django-axes and the four ways in (docs/security.md, threat 1).

django-axes counts every failed `authenticate()` (the API login, the token endpoint, the page
login and the admin login all call it with the request) per account and per client address, and
its backend refuses a locked pair before the password is even checked. This module tells axes who
the account and the client are, and turns its verdict into the project's answers: 429 JSON on the
API, the login page with a clear message (429) on the pages and the admin.
"""

from __future__ import annotations

import ipaddress
import math
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from rest_framework import status
from rest_framework.throttling import BaseThrottle

from accounts.models import normalize_email
from echo_disputes.errors import DomainError, error_body

API_PREFIX = "/api/"


def cooloff_seconds() -> int:
    return math.ceil(settings.AXES_COOLOFF_TIME.total_seconds())


def lockout_message() -> str:
    minutes = max(1, math.ceil(cooloff_seconds() / 60))
    return ngettext(
        "Too many failed logins for this account or from this address. Logging in is locked "
        "for %(minutes)s minute; try again after that.",
        "Too many failed logins for this account or from this address. Logging in is locked "
        "for %(minutes)s minutes; try again after that.",
        minutes,
    ) % {"minutes": minutes}


class LoginLockedOut(DomainError):
    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    default_code = "locked_out"
    default_message = _("Too many failed logins.")

    def __init__(self) -> None:
        super().__init__(lockout_message(), details={"retry_after": [str(cooloff_seconds())]})

    def response_headers(self) -> dict[str, str]:
        return {"Retry-After": str(cooloff_seconds())}


def is_locked_out(request: Any) -> bool:
    """Whether axes refused (or just locked) the login attempt made with this request: axes marks
    the object it was given, the DRF request on the API and Django's on the pages."""
    return bool(getattr(request, "axes_locked_out", False))


def login_identifier(request: Any, credentials: dict[str, Any] | None) -> str | None:
    """The account axes counts against (AXES_USERNAME_CALLABLE): the email, as the user model
    stores it. The API and simplejwt pass it as `email`, Django's login forms as `username`; one
    normalised key means failures on any of them count for the same account."""
    credentials = credentials or {}
    value = credentials.get("email") or credentials.get("username")
    if not isinstance(value, str) or not value.strip():
        return None
    # AccessAttempt.username holds 255 characters; an email holds at most 254.
    return normalize_email(value)[:255]


def client_address(request: Any) -> str | None:
    """The client address axes counts against (AXES_CLIENT_IP_CALLABLE): exactly the one DRF's
    throttles key on (REST_FRAMEWORK["NUM_PROXIES"], from DJANGO_BEHIND_PROXY and
    DJANGO_NUM_PROXIES), so one setting decides who the client is for both. Without a proxy that
    is REMOTE_ADDR and X-Forwarded-For is ignored; behind N proxies it is the address the
    outermost of ours saw. A value that is not an address (only a misconfigured proxy chain
    gives one) falls back to the peer's address rather than reaching the database."""
    ident = BaseThrottle().get_ident(request)
    try:
        ipaddress.ip_address(ident)
    except ValueError:
        remote = request.META.get("REMOTE_ADDR")
        return str(remote) if remote else None
    return str(ident)


def lockout_response(
    request: HttpRequest, response: HttpResponse | None, credentials: dict[str, Any] | None
) -> HttpResponse:
    """AXES_LOCKOUT_CALLABLE, called by axes' middleware when a login through Django's request
    was refused: the page and admin logins. Their forms already say why (the login page, with
    the lock-out message as the form's error); this gives the answer its status and Retry-After.
    The API answers through its exception handler and never reaches here with a response to
    keep, but anything under /api/ still gets the project's JSON error body."""
    seconds = str(cooloff_seconds())
    if response is None or request.path.startswith(API_PREFIX):
        json = JsonResponse(
            error_body(lockout_message(), "locked_out", {"retry_after": [seconds]}),
            status=status.HTTP_429_TOO_MANY_REQUESTS,
        )
        json["Retry-After"] = seconds
        return json
    response.status_code = status.HTTP_429_TOO_MANY_REQUESTS
    response["Retry-After"] = seconds
    return response
