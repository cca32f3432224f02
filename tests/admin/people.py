"""Typed wrappers: factory-boy's call returns the model instance, which mypy cannot see."""

from __future__ import annotations

from typing import Any, cast

from accounts.models import User
from tests.factories import StaffFactory, UserFactory


def new_user(**fields: Any) -> User:
    return cast(User, UserFactory(**fields))


def new_staff(**fields: Any) -> User:
    return cast(User, StaffFactory(**fields))
