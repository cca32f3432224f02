from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from accounts.models import User


@pytest.fixture
def page_for() -> Callable[[User | None], Client]:
    """A browser-like client with a session for `user` (None: anonymous)."""

    def make(user: User | None) -> Client:
        client = Client(enforce_csrf_checks=False)
        if user is not None:
            client.force_login(user)
        return client

    return make
