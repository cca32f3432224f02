"""Every write to accounts: registration, the issue of scoped tokens, logout."""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime
from typing import Any

from confusable_homoglyphs import categories, confusables  # type: ignore[import-untyped]
from django.conf import settings
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework_simplejwt.exceptions import InvalidToken, TokenError
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken, Token

from accounts.languages import is_supported
from accounts.models import RevokedToken, User, normalize_email, username_key
from accounts.policies import scopes_held
from accounts.tokens import LOGIN_CLAIM, is_login_token
from echo_disputes.errors import Conflict, InvalidInput

# Scripts that one name may mix: Chinese, Japanese and Korean writing combine them.
CJK_ALIASES = frozenset({"HAN", "HIRAGANA", "KATAKANA", "HANGUL", "BOPOMOFO"})
USERNAME_LOOKALIKE = gettext_lazy(
    "Use letters of one script: this name can be mistaken for another."
)


def username_normalize(username: str) -> str:
    """The stored form of a username: NFKC (a full-width name becomes its ASCII form), refused
    when it mixes scripts (Latin with one Cyrillic letter), when every letter of a non-Latin name
    has a Latin look-alike (a Cyrillic name that reads as Latin). Uniqueness is of
    `accounts.models.username_key` (case-folded)."""
    name = unicodedata.normalize("NFKC", username.strip())
    letters = [ch for ch in name if categories.alias(ch) != "COMMON"]
    aliases = [categories.alias(ch) for ch in letters]
    scripts = {"CJK" if alias in CJK_ALIASES else alias for alias in aliases}
    if len(scripts) > 1 or (
        scripts
        and scripts != {"LATIN"}
        and all(confusables.is_confusable(ch, preferred_aliases=["latin"]) for ch in letters)
    ):
        raise InvalidInput(USERNAME_LOOKALIKE, details={"username": [USERNAME_LOOKALIKE]})
    return name


def user_register(*, email: str, username: str, password: str) -> User:
    """Create a plain user. No role comes from the caller: staff are made by staff. The username
    is stored normalised (`username_normalize`), unique by its case-folded key."""
    email = normalize_email(email)
    username = username_normalize(username)
    if User.objects.filter(email__iexact=email).exists():
        raise Conflict(
            _("An account with this email already exists."),
            code="email_taken",
            details={"email": [_("An account with this email already exists.")]},
        )
    # The key decides; the case-insensitive name also catches a row written without a key.
    same = Q(username_key=username_key(username)) | Q(username__iexact=username)
    if User.objects.filter(same).exists():
        raise Conflict(
            _("This username is taken."),
            code="username_taken",
            details={"username": [_("This username is taken.")]},
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
            _("An account with this email or username already exists."), code="account_exists"
        ) from None


def token_issue(*, user: User, requested_scope: str | None = None) -> RefreshToken:
    """A refresh token (and its access token) carrying the scopes the user holds now.

    A caller may ask for fewer scopes; asking for one not held never adds it.
    """
    refresh = RefreshToken.for_user(user)
    refresh["scope"] = _scope_granted(user, requested_scope)
    return refresh


def _scope_granted(user: User, requested_scope: str | None) -> str:
    held = scopes_held(user)
    granted = held if requested_scope is None else held & set(requested_scope.split())
    return " ".join(sorted(granted))


def login_token_issue(*, user: User) -> AccessToken:
    """ECHO's login token: one access token, no refresh token, living as long as ECHO's
    (`ECHO_LOGIN_TOKEN_HOURS`, default 24) because ECHO's client never refreshes. It carries the
    scopes held now and the login claim, so that logout can revoke it (`token_logout`)."""
    token = AccessToken.for_user(user)
    token.set_exp(lifetime=settings.ECHO_LOGIN_TOKEN_LIFETIME)
    token["scope"] = _scope_granted(user, None)
    token[LOGIN_CLAIM] = True
    return token


@transaction.atomic
def token_logout(
    *, refresh: str | None = None, user: User | None = None, login_token: Token | None = None
) -> None:
    """Revoke what the caller logs out with: a refresh token of the standard pair (blacklisted),
    else a validated login token (recorded by `jti` until it expires). Already revoked is 401,
    as simplejwt answers for a blacklisted refresh token; expired revocations are swept here."""
    if refresh is not None:
        try:
            RefreshToken(refresh).blacklist()  # type: ignore[arg-type]
        except TokenError as exc:
            raise InvalidToken(str(exc)) from None
        return
    if user is None or login_token is None or not is_login_token(login_token):
        raise InvalidInput(
            _("Send the refresh token to log out, or the login token as Authorization: Bearer."),
            details={
                "refresh": [
                    _(
                        "Required unless the Authorization header holds a token from "
                        "/api/users/login."
                    )
                ]
            },
        )
    now = timezone.now()
    RevokedToken.objects.filter(expires_at__lt=now).delete()
    _revoked, created = RevokedToken.objects.get_or_create(
        jti=str(login_token[api_settings.JTI_CLAIM]),
        defaults={
            "user": user,
            "expires_at": datetime.fromtimestamp(int(login_token["exp"]), tz=UTC),
        },
    )
    if not created:
        raise InvalidToken(_("Token has been revoked."))


SUPPORT_GROUP = "Support"


def support_group_ensure(*, group_model: Any = None, permission_model: Any = None) -> Any:
    """The "Support" group, idempotent. It is a label for the support team (the user admin filters
    by it) and grants nothing: who is support staff is `accounts.policies.is_support_staff`, and
    the admin asks that, not Django's model permissions (docs/decisions.md).

    A data migration passes its historical model; everything else uses the live one (a test
    database flush removes the group but not the need for it). `permission_model` is what
    migration 0002 still passes from when the group held model permissions; it is not used.
    """
    group, _created = (group_model or Group).objects.get_or_create(name=SUPPORT_GROUP)
    return group


def user_language_set(*, user: User, language: str) -> None:
    """Save the language of the user's pages and e-mails (the page switch); blank follows the
    browser. A language outside settings.LANGUAGES is refused."""
    if language and not is_supported(language):
        message = _("Choose one of the offered languages.")
        raise InvalidInput(message, details={"language": [message]})
    user.language = language
    user.save(update_fields=["language"])
