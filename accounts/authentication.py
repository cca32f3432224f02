"""JWT authentication that still reads the user on every request, in as few statements as possible.

simplejwt's own class loads the user through the ORM (about 0.3 ms of query building per
request). Trusting the token's claims instead would let a deactivated user or a demoted staff
member keep access until the token expires (docs/decisions.md), so the row is still read on
every request: as one plain statement, or, on the hottest reads, inside the view's own statement
(`defer_user`).
"""

from __future__ import annotations

from typing import Any

from rest_framework_simplejwt import authentication
from rest_framework_simplejwt.exceptions import AuthenticationFailed, InvalidToken
from rest_framework_simplejwt.settings import api_settings

from accounts.models import User
from accounts.selectors import user_get_for_request


def claimed_user_id(validated_token: Any) -> int:
    try:
        return int(validated_token[api_settings.USER_ID_CLAIM])
    except (KeyError, TypeError, ValueError) as e:
        raise InvalidToken("Token contained no recognizable user identification") from e


def active_user(user: User | None) -> User:
    """The one check a token's user passes on every request, wherever its row was read."""
    if user is None:
        raise AuthenticationFailed("User not found", code="user_not_found")
    if not user.is_active:
        raise AuthenticationFailed("User is inactive", code="user_inactive")
    return user


class ClaimedUser:
    """The user a valid access token names, before the user's row has been read.

    Only the id is known. It has no `is_active` or `is_staff`: the policies read those with
    `getattr(..., False)`, so a view that forgot to read the row would refuse, never allow.
    """

    is_authenticated = True
    is_anonymous = False

    def __init__(self, user_id: int) -> None:
        self.pk = self.id = user_id

    def __repr__(self) -> str:
        return f"<ClaimedUser {self.pk}>"


class JWTAuthentication(authentication.JWTAuthentication):
    """simplejwt's checks of the token, then the user's row read as one plain statement.

    With `defer_user=True` (the hottest reads) the row is left to the view, whose single statement
    reads it along with the data: `request.user` is a `ClaimedUser` until the view has passed the
    row through `active_user` and set `request.user` (see `DisputeViewSet`), which it must do
    before it decides or shows anything. A deleted, deactivated or demoted user is refused on the
    very next request either way; the deferred way costs one statement fewer.
    """

    def __init__(self, *args: Any, defer_user: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.defer_user = defer_user

    def get_user(self, validated_token: Any) -> Any:
        user_id = claimed_user_id(validated_token)
        if self.defer_user:
            return ClaimedUser(user_id)
        return active_user(user_get_for_request(user_id=user_id))
