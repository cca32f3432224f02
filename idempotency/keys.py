"""Idempotent writes: the same `Idempotency-Key` from the same user with the same request within
`IDEMPOTENCY_KEY_HOURS` gets the first answer again, without the work being done twice.

A key is claimed in its own short transaction before the work runs and completed after it, so
the services keep their own transactions (evidence uploads are durable ones). While a key is
claimed and not complete, another request with it is 409: the two cannot both do the work.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.http import HttpResponse
from django.http.response import HttpResponseBase
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework.request import Request

from echo_disputes.errors import Conflict, DomainError, InvalidInput
from idempotency.models import IdempotencyKey

KEY_HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
MAX_KEY_LENGTH = 255


class KeyReused(DomainError):
    status_code = 422
    default_code = "idempotency_key_reused"
    default_message = _("This Idempotency-Key was already used with another request.")


def key_ttl() -> timedelta:
    return timedelta(hours=getattr(settings, "IDEMPOTENCY_KEY_HOURS", 24))


def key_from(request: Request) -> str | None:
    """The request's key, None when it sent none; a malformed key is refused (400)."""
    raw = request.headers.get(KEY_HEADER)
    if raw is None:
        return None
    if not 1 <= len(raw) <= MAX_KEY_LENGTH or not all(" " <= c <= "~" for c in raw):
        message = _("%(header)s must be 1 to %(maximum)s printable ASCII characters.") % {
            "header": KEY_HEADER,
            "maximum": MAX_KEY_LENGTH,
        }
        raise InvalidInput(message, code="idempotency_key_invalid", details={KEY_HEADER: [message]})
    return raw


def fingerprint(request: Request) -> str:
    """What makes two requests the same: method, path with query, and the parsed body (files by
    name, size and content), so a reordered JSON object is still the same request."""
    digest = hashlib.sha256(f"{request.method}\0{request.get_full_path()}\0".encode())
    data: Any = request.data
    if hasattr(data, "lists"):
        for name, values in sorted(data.lists(), key=lambda item: item[0]):
            for value in values:
                digest.update(f"{name}\0".encode())
                if isinstance(value, UploadedFile):
                    digest.update(f"{value.name}\0{value.size}\0".encode())
                    for chunk in value.chunks():
                        digest.update(chunk)
                    value.seek(0)
                else:
                    digest.update(f"{value}\0".encode())
    else:
        canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)
        digest.update(canonical.encode())
    return digest.hexdigest()


def _claim(*, user_id: int, key: str, print_: str) -> IdempotencyKey | HttpResponse:
    """The new claim, or the first answer to replay. Refuses another request's key (422) and a
    key whose first request is still running (409)."""
    now = timezone.now()
    with transaction.atomic():
        # An expired key is forgotten: the next request with it is a new one.
        IdempotencyKey.objects.filter(
            user_id=user_id, key=key, created_at__lt=now - key_ttl()
        ).delete()
        try:
            with transaction.atomic():
                return IdempotencyKey.objects.create(
                    user_id=user_id, key=key, fingerprint=print_, created_at=now
                )
        except IntegrityError:
            first = IdempotencyKey.objects.get(user_id=user_id, key=key)
    if first.fingerprint != print_:
        raise KeyReused()
    if not first.is_complete:
        raise Conflict(
            _("A request with this Idempotency-Key is still being processed. Retry shortly."),
            code="idempotency_key_in_progress",
        )
    replay = HttpResponse(first.body, status=first.status_code, content_type=first.content_type)
    replay[REPLAYED_HEADER] = "true"
    return replay


def run_idempotent(
    request: Request,
    work: Callable[[], HttpResponseBase],
    render: Callable[[HttpResponseBase], tuple[bytes, str]],
) -> HttpResponseBase:
    """Run `work` once per key: the first success is stored (rendered by `render`) and replayed;
    a refusal or an error frees the key, so a corrected retry may use it again."""
    key = key_from(request)
    if key is None:
        return work()
    user_id = request.user.pk
    if user_id is None:
        # Only authenticated endpoints take a key; an anonymous caller never gets this far.
        return work()
    claim = _claim(user_id=user_id, key=key, print_=fingerprint(request))
    if isinstance(claim, HttpResponse):
        return claim
    try:
        response = work()
    except BaseException:
        IdempotencyKey.objects.filter(pk=claim.pk).delete()
        raise
    if not 200 <= response.status_code < 300:
        IdempotencyKey.objects.filter(pk=claim.pk).delete()
        return response
    body, content_type = render(response)
    IdempotencyKey.objects.filter(pk=claim.pk).update(
        status_code=response.status_code,
        content_type=content_type,
        body=body.decode(),
        completed_at=timezone.now(),
    )
    return response


def purge_expired(now: Any = None) -> int:
    """Delete keys past their lifetime; returns how many."""
    moment = now or timezone.now()
    deleted, _unused = IdempotencyKey.objects.filter(created_at__lt=moment - key_ttl()).delete()
    return deleted
