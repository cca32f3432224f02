from __future__ import annotations

from typing import cast

from rest_framework.request import Request

from accounts.models import User


def request_user(request: Request) -> User:
    """The authenticated user of a request that passed IsAuthenticated."""
    return cast(User, request.user)
