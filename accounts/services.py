"""Every write to accounts: registration and the issue of scoped tokens."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from rest_framework_simplejwt.tokens import RefreshToken

from accounts.models import User, normalize_email
from accounts.policies import scopes_held
from echo_disputes.errors import Conflict, InvalidInput


def user_register(*, email: str, username: str, password: str) -> User:
    """Create a plain user. No role comes from the caller: staff are made by staff."""
    email = normalize_email(email)
    username = username.strip()
    if User.objects.filter(email__iexact=email).exists():
        raise Conflict(
            "An account with this email already exists.",
            code="email_taken",
            details={"email": ["An account with this email already exists."]},
        )
    if User.objects.filter(username__iexact=username).exists():
        raise Conflict(
            "This username is taken.",
            code="username_taken",
            details={"username": ["This username is taken."]},
        )
    candidate = User(email=email, username=username)
    try:
        validate_password(password, user=candidate)
    except DjangoValidationError as exc:
        raise InvalidInput(exc.messages[0], details={"password": list(exc.messages)}) from None
    try:
        with transaction.atomic():
            return User.objects.create_user(email=email, username=username, password=password)
    except IntegrityError:
        # Two registrations raced past the checks above; the database constraint decided.
        raise Conflict(
            "An account with this email or username already exists.", code="account_exists"
        ) from None


def token_issue(*, user: User, requested_scope: str | None = None) -> RefreshToken:
    """A refresh token (and its access token) carrying the scopes the user holds now.

    A caller may ask for fewer scopes; asking for one not held never adds it.
    """
    held = scopes_held(user)
    granted = held if requested_scope is None else held & set(requested_scope.split())
    refresh = RefreshToken.for_user(user)
    refresh["scope"] = " ".join(sorted(granted))
    return refresh


SUPPORT_GROUP = "Support"


def support_group_ensure(*, group_model: Any = None, permission_model: Any = None) -> Any:
    """The "Support" group, idempotent. It is a label for the support team (the user admin filters
    by it) and grants nothing: who is support staff is `accounts.policies.is_support_staff`, and
    the admin asks that, not Django's model permissions (docs/decisions.md).

    A data migration passes its historical model; everything else uses the live one (a test
    database flush removes the group but not the need for it). `permission_model` is what
    migration 0002 still passes from when the group held model permissions; it is not used.
    """
    group, _ = (group_model or Group).objects.get_or_create(name=SUPPORT_GROUP)
    return group
