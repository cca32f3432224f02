from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.integrations.receiver import Receiver


@pytest.fixture
def private_hosts(settings: Any) -> None:
    """ECHO_WEBHOOKS_ALLOW_PRIVATE_HOSTS on: the receiver listens on 127.0.0.1."""
    settings.ECHO_WEBHOOKS_ALLOW_PRIVATE_HOSTS = True


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver().start()
    yield server
    server.stop()


@pytest.fixture
def second_receiver() -> Iterator[Receiver]:
    server = Receiver().start()
    yield server
    server.stop()
