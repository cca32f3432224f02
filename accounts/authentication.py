"""JWT authentication that still loads the user on every request, one cheap statement.

simplejwt's own class loads the user through the ORM (about 0.3 ms of query building per
request). Trusting the token's claims instead would let a deactivated user or a demoted staff
member keep access until the token expires (docs/decisions.md), so the row is still read on
every request, only as plain SQL.
"""

from __future__ import annotations

from typing import Any

from rest_framework_simplejwt import authentication
from rest_framework_simplejwt.exceptions import AuthenticationFailed, InvalidToken
from rest_framework_simplejwt.settings import api_settings

from accounts.selectors import user_get_for_request


class JWTAuthentication(authentication.JWTAuthentication):
    def get_user(self, validated_token: Any) -> Any:
        try:
            user_id = int(validated_token[api_settings.USER_ID_CLAIM])
        except (KeyError, TypeError, ValueError) as e:
            raise InvalidToken("Token contained no recognizable user identification") from e
        user = user_get_for_request(user_id=user_id)
        if user is None:
            raise AuthenticationFailed("User not found", code="user_not_found")
        if not user.is_active:
            raise AuthenticationFailed("User is inactive", code="user_inactive")
        return user
