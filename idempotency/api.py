"""`@idempotent` for DRF view handlers: the POST takes an optional `Idempotency-Key` header."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from django.http.response import HttpResponseBase
from drf_spectacular.utils import OpenApiParameter
from rest_framework.request import Request
from rest_framework.response import Response

from idempotency.keys import KEY_HEADER, MAX_KEY_LENGTH, run_idempotent

Handler = TypeVar("Handler", bound=Callable[..., Any])

IDEMPOTENCY_KEY_PARAMETER = OpenApiParameter(
    KEY_HEADER,
    {"type": "string", "minLength": 1, "maxLength": MAX_KEY_LENGTH, "pattern": "^[ -~]+$"},
    OpenApiParameter.HEADER,
    required=False,
    description=(
        f"1..{MAX_KEY_LENGTH} printable ASCII characters. The same key with the same request "
        "within 24 hours replays the first answer (header Idempotent-Replayed: true) without "
        "doing the work again; with another request it is 422 idempotency_key_reused; while the "
        "first is still running, 409 idempotency_key_in_progress."
    ),
)


def idempotent(
    check: Callable[[Any], object] | None = None,
) -> Callable[[Handler], Handler]:
    """Wraps a viewset handler. Only POST is idempotent by key: a GET on the same action runs as
    it is. Authentication, permissions and throttles have run before the handler; `check(view)`
    runs the object's own checks (404, 403) before the body is read for the key's fingerprint,
    so a stranger learns no more with a key than without one."""

    def decorate(handler: Handler) -> Handler:
        @functools.wraps(handler)
        def wrapper(view: Any, request: Request, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if request.method != "POST" or KEY_HEADER not in request.headers:
                return handler(view, request, *args, **kwargs)  # type: ignore[no-any-return]
            if check is not None:
                check(view)
            return run_idempotent(
                request,
                lambda: handler(view, request, *args, **kwargs),
                lambda response: _render(view, request, response),
            )

        return wrapper  # type: ignore[return-value]

    return decorate


def _render(view: Any, request: Request, response: HttpResponseBase) -> tuple[bytes, str]:
    """The stored body is what the client got: rendered as the view renders it."""
    renderer = request.accepted_renderer
    data = response.data if isinstance(response, Response) else None
    body = renderer.render(data, request.accepted_media_type, view.get_renderer_context())
    return body, f"{renderer.media_type}; charset={renderer.charset or 'utf-8'}"
