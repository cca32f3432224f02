"""The claim that marks ECHO's login token, shared by the service that issues it, the
authentication that checks it and the logout that revokes it."""

from __future__ import annotations

from typing import Any

# Present (true) only in tokens from `POST /api/users/login` and register: 24-hour access tokens
# with no refresh token, which logout revokes through `accounts.models.RevokedToken`.
LOGIN_CLAIM = "echo_login"


def is_login_token(token: Any) -> bool:
    return token.get(LOGIN_CLAIM) is True
