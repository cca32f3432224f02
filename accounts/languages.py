"""The languages a user may choose (settings.LANGUAGES)."""

from __future__ import annotations

from django.conf import settings
from django.utils.functional import Promise


def language_choices() -> list[tuple[str, str | Promise]]:
    """User.language's choices: a callable, so a language added to settings needs no migration."""
    return list(settings.LANGUAGES)


def is_supported(language: str) -> bool:
    return language in {code for code, _name in settings.LANGUAGES}
