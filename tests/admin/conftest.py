from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from accounts.models import User
from accounts.services import support_group_ensure
from tests.factories import new_staff, new_user


@pytest.fixture
def support(db: Any) -> User:
    """Support staff as the data migration sets them up: staff, in the Support group, no
    superuser powers. Every back-office test acts as this user unless it says otherwise."""
    user = new_staff(username="agent", email="agent@example.com")
    user.groups.add(support_group_ensure())
    return user


@pytest.fixture
def client_as() -> Callable[[User | None], Client]:
    def make(user: User | None) -> Client:
        client = Client()
        if user is not None:
            client.force_login(user)
        return client

    return make


@pytest.fixture
def desk(client_as: Callable[[User | None], Client], support: User) -> Client:
    return client_as(support)


@pytest.fixture
def party(db: Any) -> User:
    return new_user(username="someone")
