"""DRF's content negotiation, answered without parsing for the Accept headers clients send."""

from __future__ import annotations

from typing import Any

from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.request import Request

# The Accept values for which DRF's answer is known without parsing: "any type" (also what a
# missing header means to DRF) picks the first renderer as it is; JSON picks the first renderer
# when that one is JSON. A header present but empty is not here: DRF answers it with 406.
_ANY = "*/*"
_JSON = "application/json"


class EchoContentNegotiation(DefaultContentNegotiation):
    """The same choice as `DefaultContentNegotiation`: nearly every request accepts anything or
    JSON, and parsing the header into media types and precedence sets cost a tenth of the hot
    requests' framework time (docs/benchmarks.md). Everything else, including `?format=` and a
    format suffix, goes through DRF's own parser; tests/test_negotiation.py compares the two."""

    def select_renderer(
        self, request: Request, renderers: Any, format_suffix: str | None = None
    ) -> tuple[Any, str]:
        if renderers and not format_suffix:
            accept = request.META.get("HTTP_ACCEPT", _ANY).strip()
            first = renderers[0]
            if (accept == _ANY or (accept == _JSON and first.media_type == _JSON)) and (
                self.settings.URL_FORMAT_OVERRIDE not in request.query_params
            ):
                return first, first.media_type
        return super().select_renderer(request, renderers, format_suffix)
