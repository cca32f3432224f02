"""The API's router: every route answers with and without a trailing slash.

ECHO clients call paths without one, Django habits add one; both must reach the same view with no
redirect (a redirect turns a POST into a GET in many clients). DRF's router writes its
`trailing_slash` attribute into each route's regex (the `{trailing_slash}` of its documented
route templates), so an optional slash is that attribute set to `/?`.
"""

from __future__ import annotations

from rest_framework.routers import SimpleRouter


class OptionalSlashRouter(SimpleRouter):
    def __init__(self) -> None:
        super().__init__()
        self.trailing_slash = "/?"
