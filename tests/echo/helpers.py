"""What ECHO's client sends and reads, shared by the tests of the ECHO contract."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any


def exact(response: Any) -> Any:
    """The JSON body with every number exactly as written: `24.50` reads as `Decimal("24.50")`,
    whose `str` is "24.50", so a test can tell 24.50 from 24.5 and from a float artefact."""
    return json.loads(response.content, parse_float=Decimal)


def money(value: Any) -> str:
    """A money field's JSON literal; a string (the old "24.50") fails: ECHO needs a number."""
    assert isinstance(value, (Decimal, int)) and not isinstance(value, bool), value
    return str(value)
