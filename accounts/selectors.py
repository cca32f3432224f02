from __future__ import annotations

from accounts.models import RevokedToken, User


def user_get_by_email(*, email: str) -> User | None:
    return User.objects.filter(email__iexact=email.strip()).first()


def token_is_revoked(*, jti: str) -> bool:
    """Whether a login token was revoked by logout: one primary-key lookup."""
    return RevokedToken.objects.filter(pk=jti).exists()
