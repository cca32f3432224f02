"""The posting budget: how many messages one user may post per period (ECHO_POST_THROTTLE).

A person types a message in tens of seconds; a script posts hundreds a second. The API's POST
messages, the thread page's form and the admin's post form all ask this one class, through DRF's
public `allow_request`/`wait`, so the three share one counter per user in the shared cache and a
flood through one way in cannot go on through another (docs/security.md, threat 4).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle


class PostThrottle(SimpleRateThrottle):
    scope = "post"

    def get_rate(self) -> str | None:
        # Read per request (a throttle is built per request), so the setting can change in tests
        # and an empty value switches the limit off.
        return settings.ECHO_POST_THROTTLE or None

    def get_cache_key(self, request: Any, view: Any) -> str | None:
        if request.method != "POST":
            # Reading a thread costs the budget nothing.
            return None
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            ident = f"user-{user.pk}"
        else:
            ident = f"client-{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}


def post_allowed(request: Any) -> int | None:
    """None when the user may post now (the post is counted); else the seconds to wait."""
    throttle = PostThrottle()
    # Its cache key reads the request only; there is no DRF view on a page or in the admin.
    if throttle.allow_request(request, None):  # type: ignore[arg-type]
        return None
    wait = throttle.wait()
    return max(1, int(wait + 0.999)) if wait is not None else 1
