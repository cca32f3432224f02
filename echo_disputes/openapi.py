"""Error responses declared once, so every endpoint's schema lists the codes it really gives."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiResponse, inline_serializer
from rest_framework import serializers

ErrorBody = inline_serializer(
    name="Error",
    fields={
        "error": serializers.CharField(),
        "code": serializers.CharField(),
        "details": serializers.DictField(child=serializers.JSONField()),
    },
)

ERROR_TEXT = {
    400: "Validation failed; `details` names the fields.",
    401: "No token, or a token that is expired, tampered with or revoked.",
    403: "The caller may not do this to this object.",
    404: "No such object.",
    405: "Method not allowed.",
    409: "The move conflicts with the current state.",
    415: "Body is not JSON.",
    429: "Too many requests.",
}


def errors(*codes: int) -> dict[int, Any]:
    return {
        code: OpenApiResponse(ErrorBody, description=ERROR_TEXT.get(code, "")) for code in codes
    }
