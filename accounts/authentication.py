"""API authentication: simplejwt's `JWTAuthentication` as shipped (signature, expiry, the user's
row read on every request, inactive users and tokens from before a password change refused),
plus one check for ECHO's login tokens.

A login token lives 24 hours and has no refresh token, so logout cannot just let it expire: it
records the token's `jti` (`accounts.models.RevokedToken`) and this class refuses a recorded one.
Only tokens carrying the login claim pay for the lookup, one primary-key read; the standard pair's
15-minute access tokens are checked exactly as before (docs/decisions.md).
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework.request import Request
from rest_framework_simplejwt import authentication
from rest_framework_simplejwt.exceptions import InvalidToken
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.tokens import Token

from accounts.models import User
from accounts.selectors import token_is_revoked
from accounts.tokens import is_login_token

REVOKED = _("Token has been revoked.")


class JWTAuthentication(authentication.JWTAuthentication):
    def get_validated_token(self, raw_token: bytes) -> Token:
        token = super().get_validated_token(raw_token)
        if is_login_token(token) and token_is_revoked(jti=str(token[api_settings.JTI_CLAIM])):
            raise InvalidToken({"detail": REVOKED, "code": "token_revoked"})
        return token


def bearer_credentials(request: Request) -> tuple[User, Token] | None:
    """The user and validated token of the request's `Authorization: Bearer` header, or None when
    there is none; a bad, expired or revoked token is 401. For logout, which reads the token it
    revokes only when no refresh token is sent (a stale access token beside a refresh token must
    not stop a logout), so it cannot let DRF authenticate the request up front."""
    found: Any = JWTAuthentication().authenticate(request)
    return None if found is None else (found[0], found[1])
