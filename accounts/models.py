from __future__ import annotations

import unicodedata
from typing import Any, ClassVar

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from accounts.languages import language_choices


class EmailUserManager(UserManager["User"]):
    """Email is the login id; it is stored lower-cased so lookups and uniqueness agree."""

    def get_by_natural_key(self, username: str | None) -> User:
        return self.get(email__iexact=username)

    @classmethod
    def normalize_email(cls, email: str | None) -> str:
        return normalize_email(email or "")

    def create_user(  # type: ignore[override]
        self, email: str, username: str, password: str | None = None, **extra_fields: Any
    ) -> User:
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        extra_fields.setdefault("username_key", username_key(username))
        # _create_user exists on Django 5.2 but is missing from the stubs.
        create = self._create_user  # type: ignore[attr-defined]
        return create(username, email, password, **extra_fields)  # type: ignore[no-any-return]

    def create_superuser(  # type: ignore[override]
        self, email: str, username: str, password: str | None = None, **extra_fields: Any
    ) -> User:
        extra_fields["is_staff"] = True
        extra_fields["is_superuser"] = True
        extra_fields.setdefault("username_key", username_key(username))
        # _create_user exists on Django 5.2 but is missing from the stubs.
        create = self._create_user  # type: ignore[attr-defined]
        return create(username, email, password, **extra_fields)  # type: ignore[no-any-return]


def normalize_email(email: str) -> str:
    return email.strip().lower()


def username_key(username: str) -> str:
    """What makes two usernames the same: NFKC, then case folding, in Python, so that SQLite
    (whose LOWER folds ASCII only) and PostgreSQL agree."""
    return unicodedata.normalize("NFKC", username).casefold()


class User(AbstractUser):
    """A marketplace account. `is_staff` is ECHO's ADMIN role: support staff."""

    email = models.EmailField("email address", unique=True)
    avatar_url = models.URLField(
        max_length=500, blank=True, default="", verbose_name=_("avatar url")
    )
    # The language of the user's e-mails and, once signed in, of the pages; blank follows the
    # browser (the language cookie, then Accept-Language) and sends e-mails in LANGUAGE_CODE.
    language = models.CharField(
        _("language"),
        max_length=10,
        choices=language_choices,
        blank=True,
        default="",
        # Also in the database: bulk writers that name their columns (seed_scale's COPY) and
        # rows inserted by another version of the code get "follow the browser".
        db_default="",
        help_text=_("E-mails and pages in this language. Blank follows the browser."),
    )
    # `username_key(username)`, unique: case-folded uniqueness of names. Null only for a row that
    # already collided with another when the column was added (migration 0006).
    username_key = models.CharField(  # noqa: DJ001 (NULLs never collide; "" would)
        max_length=150, unique=True, null=True, editable=False, verbose_name=_("username key")
    )

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = ["username"]

    objects = EmailUserManager()  # type: ignore[misc]

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(Lower("email"), name="accounts_user_email_ci_unique"),
            models.UniqueConstraint(Lower("username"), name="accounts_user_username_ci_unique"),
        ]

    def __str__(self) -> str:
        return self.username

    def clean(self) -> None:
        super().clean()
        self.email = normalize_email(self.email)

    @property
    def roles(self) -> list[str]:
        return ["ADMIN"] if self.is_staff else ["USER"]


class RevokedToken(models.Model):
    """An access token revoked before it expires: a login token (24 hours, docs/decisions.md)
    whose holder logged out. Keyed by the token's `jti`, so the check on every request that
    presents a login token is one primary-key lookup; rows past `expires_at` can go."""

    jti = models.CharField(max_length=64, primary_key=True)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="revoked_tokens")
    expires_at = models.DateTimeField(db_index=True)
    revoked_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.jti
