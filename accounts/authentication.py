"""JWT authentication that still reads the user on every request, in as few statements as possible.

simplejwt's own class loads the user through the ORM (about 0.3 ms of query building per
request). Trusting the token's claims instead would let a deactivated user or a demoted staff
member keep access until the token expires (docs/decisions.md), so the row is still read on
every request: as one plain statement, or, on the hottest reads, inside the view's own statement
(`defer_user`).
"""

from __future__ import annotations

import threading
import time
from typing import Any

from django.core.signals import setting_changed
from django.dispatch import receiver
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


class VerifiedTokens:
    """The access tokens this process has verified, until they expire.

    A party's app sends the same access token with every request for its whole lifetime (15
    minutes by default), and decoding and verifying it costs about 40 µs of PyJWT per request,
    a tenth of the API's own work on the hottest requests (docs/benchmarks.md). A token is
    remembered by its exact bytes, so a hit is a string that already passed every check with the
    current settings; only the expiry can change with time, and it is checked on every hit.
    Nothing else in a token can become invalid: access tokens are not blacklisted (logout
    revokes the refresh token, docs/security.md), and the user's row is still read on every
    request. Bounded, per process; a settings change (tests) forgets everything.
    """

    def __init__(self, size: int = 4096) -> None:
        self.size = size
        self._tokens: dict[bytes, tuple[float, Any]] = {}
        self._lock = threading.Lock()

    def get(self, raw_token: bytes) -> Any | None:
        hit = self._tokens.get(raw_token)
        if hit is None or time.time() >= hit[0]:
            return None
        return hit[1]

    def add(self, raw_token: bytes, token: Any) -> None:
        exp = token.payload.get("exp")
        if type(exp) is not int:
            return
        leeway = token.get_token_backend().get_leeway().total_seconds()
        with self._lock:
            while len(self._tokens) >= self.size:
                # Oldest first (dicts keep insertion order); expired ones go the same way.
                del self._tokens[next(iter(self._tokens))]
            self._tokens[raw_token] = (exp + leeway, token)

    def clear(self) -> None:
        with self._lock:
            self._tokens.clear()


verified_tokens = VerifiedTokens()


@receiver(setting_changed)
def _forget_tokens(*, setting: str, **kwargs: Any) -> None:
    if setting in ("SIMPLE_JWT", "SECRET_KEY"):
        verified_tokens.clear()


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

    def get_validated_token(self, raw_token: bytes) -> Any:
        token = verified_tokens.get(raw_token)
        if token is None:
            token = super().get_validated_token(raw_token)
            verified_tokens.add(raw_token, token)
        return token

    def get_user(self, validated_token: Any) -> Any:
        user_id = claimed_user_id(validated_token)
        if self.defer_user:
            return ClaimedUser(user_id)
        return active_user(user_get_for_request(user_id=user_id))
