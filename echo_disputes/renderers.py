"""The API's JSON renderer: DRF's own, except that a `Decimal` is written as the number literal it
holds (`24.50`), never through a float (`24.5`, or an artefact such as `24.499999`).

DRF's encoder turns a `Decimal` into a float and the standard library's `json` cannot write a
number literal of its own choosing, so the text comes from simplejson's documented `use_decimal`.
Which fields are numbers is each serializer's choice: the party API's money fields hand over a
`Decimal` (`coerce_to_string=False`, docs/design.md §6), the finance API's are strings ("50.00",
§7) and stay strings.
"""

from __future__ import annotations

from typing import Any

import simplejson  # type: ignore[import-untyped]  # no stubs in the dev set
from rest_framework.renderers import JSONRenderer

COMPACT = (",", ":")
SPACED = (", ", ": ")
INDENTED = (",", ": ")


class DecimalJSONRenderer(JSONRenderer):
    def render(
        self,
        data: Any,
        accepted_media_type: str | None = None,
        renderer_context: Any = None,
    ) -> bytes:
        if data is None:
            return b""
        indent = self.get_indent(accepted_media_type, renderer_context or {})  # type: ignore[arg-type]
        if indent is None:
            separators = COMPACT if self.compact else SPACED
        else:
            separators = INDENTED
        text: str = simplejson.dumps(
            data,
            # Everything but Decimal goes through DRF's encoder, as with DRF's own renderer.
            default=self.encoder_class().default,
            use_decimal=True,
            # The standard library's behaviour for the types both know.
            namedtuple_as_object=False,
            indent=indent,
            ensure_ascii=self.ensure_ascii,
            allow_nan=not self.strict,
            separators=separators,
        )
        # As DRF does: U+2028 and U+2029 escaped, so the output is a strict JavaScript subset.
        return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029").encode()
