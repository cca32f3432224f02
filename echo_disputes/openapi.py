"""Error responses declared once, so every endpoint's schema lists the codes it really gives."""

from __future__ import annotations

from typing import Any

from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from drf_spectacular.extensions import (
    OpenApiSerializerExtension,
    OpenApiSerializerFieldExtension,
)
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
    422: "This Idempotency-Key was already used with another request.",
    429: "Too many requests.",
}


def errors(*codes: int) -> dict[int, Any]:
    return {
        code: OpenApiResponse(ErrorBody, description=ERROR_TEXT.get(code, "")) for code in codes
    }


class EchoJWTScheme(SimpleJWTScheme):
    """The project's JWT class is simplejwt's with a cheaper user load: same scheme."""

    target_class = "accounts.authentication.JWTAuthentication"


class StrictInputSchema(OpenApiSerializerExtension):
    """A StrictInputSerializer refuses unknown fields (400): the schema says so, so clients and
    schemathesis know that extra properties are not accepted."""

    target_class = "echo_disputes.serializers.StrictInputSerializer"
    match_subclasses = True

    def map_serializer(self, auto_schema: Any, direction: Any) -> Any:
        schema = auto_schema._map_serializer(self.target, direction, bypass_extensions=True)
        schema["additionalProperties"] = False
        return schema


class MoneyFieldSchema(OpenApiSerializerFieldExtension):
    """Money in a request: a positive amount with at most two decimals, as the services demand.

    The service refuses zero, negatives and a third decimal with 400; declaring it here keeps the
    contract in the schema instead of in prose.
    """

    target_class = "echo_disputes.serializers.MoneyField"
    match_subclasses = True

    def map_serializer_field(self, auto_schema: Any, direction: Any) -> Any:
        schema = auto_schema._map_serializer_field(self.target, direction, bypass_extensions=True)
        if direction == "request":
            digits = (self.target.max_digits or 12) - 2
            schema["pattern"] = (
                rf"^(?:[1-9][0-9]{{0,{digits - 1}}}(?:\.[0-9]{{1,2}})?|0\.(?:[1-9][0-9]?|0[1-9]))$"
            )
        return schema


def document_paths_without_trailing_slash(
    endpoints: list[tuple[str, str, str, Any]], **kwargs: Any
) -> list[tuple[str, str, str, Any]]:
    """A drf-spectacular preprocessing hook. The API's routes end in an optional slash
    (echo_disputes.routers), which the schema would show as a trailing `/`; ECHO's clients and
    documentation write the paths without one, so the schema does too."""
    return [
        (path.rstrip("/") if path != "/" else path, regex, method, callback)
        for path, regex, method, callback in endpoints
    ]
