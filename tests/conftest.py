from __future__ import annotations

import os
import signal
import socket
from collections.abc import Callable, Iterator
from contextlib import nullcontext
from typing import Any
from unittest import mock

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.utils import translation
from django_tasks_db.management.commands import db_worker
from rest_framework.test import APIClient

from accounts.models import User
from accounts.services import token_issue
from tests.factories import StaffFactory, UserFactory, make_order

# Playwright's sync API keeps an event loop in the test thread; Django must not refuse ORM calls.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


LOCAL_NAMES = frozenset({"localhost", socket.gethostname()})
REAL_GETADDRINFO = socket.getaddrinfo


def _is_local(host: Any) -> bool:
    """Loopback names and any numeric address (in any of the forms the C resolver reads
    without asking a server: `127.0.0.1`, `2130706433`, `0x7f.1`, `::1`)."""
    if host is None or (isinstance(host, str) and host in LOCAL_NAMES):
        return True
    try:
        REAL_GETADDRINFO(host, None, flags=socket.AI_NUMERICHOST)
    except (OSError, UnicodeError):
        return False
    return True


@pytest.fixture(autouse=True)
def _no_public_name_lookups(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests talk only to this machine: a host name a test generates (schemathesis fills webhook
    URLs with random names) must never reach a DNS server. Such a lookup fails as a name that
    does not resolve would; tests that need a name to resolve patch the resolver themselves."""

    def local_only(host: Any, *args: Any, **kwargs: Any) -> Any:
        if not _is_local(host):
            raise socket.gaierror(socket.EAI_NONAME, "tests resolve no public names")
        return REAL_GETADDRINFO(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", local_only)


@pytest.fixture(autouse=True)
def _default_language_between_tests() -> Iterator[None]:
    """A request leaves its language active in the thread (LocaleMiddleware activates, nothing
    deactivates; a server thread's next request activates its own): a test after a Spanish
    request must not run in Spanish."""
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _clear_throttles() -> Iterator[None]:
    # Throttle counters live in the cache; one test's logins must not throttle the next.
    cache.clear()
    yield
    cache.clear()


def run_worker(*, worker_id: str = "test-worker") -> None:
    """Run django-tasks-db's real worker until no task is ready (`db_worker --batch`). The
    worker installs its own SIGINT/SIGTERM handlers; pytest gets its own back afterwards.

    Inside a test's transaction (every test but the transactional ones) the worker's
    `close_old_connections()` would close the connection that holds it (Django closes a
    connection found outside autocommit); Django's test client disconnects the same function
    around each request, and so does this, for that case only."""
    saved = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT)}
    keep = mock.patch.object(db_worker, "close_old_connections", lambda: None)
    try:
        with keep if connection.in_atomic_block else nullcontext():
            call_command(
                "db_worker",
                batch=True,
                reload=False,
                startup_delay=False,
                interval=0,
                worker_id=worker_id,
                verbosity=0,
            )
    finally:
        for sig, handler in saved.items():
            signal.signal(sig, handler)


@pytest.fixture
def run_tasks(db: Any) -> Callable[[], None]:
    """Deliver what the services queued (e-mails go through the task queue): runs the worker."""
    return run_worker


@pytest.fixture
def api() -> APIClient:
    return APIClient()


def bearer(user: User, scope: str | None = None) -> dict[str, str]:
    refresh = token_issue(user=user, requested_scope=scope)
    return {"HTTP_AUTHORIZATION": f"Bearer {refresh.access_token}"}


@pytest.fixture
def client_for() -> Callable[..., APIClient]:
    """An API client authenticated as `user` with a real JWT (None: anonymous)."""

    def make(user: User | None, scope: str | None = None) -> APIClient:
        client = APIClient()
        if user is not None:
            client.credentials(**bearer(user, scope))
        return client

    return make


@pytest.fixture
def buyer(db: Any) -> User:
    return UserFactory.create(username="buyer")


@pytest.fixture
def seller(db: Any) -> User:
    return UserFactory.create(username="seller")


@pytest.fixture
def stranger(db: Any) -> User:
    return UserFactory.create(username="stranger")


@pytest.fixture
def staff(db: Any) -> User:
    return StaffFactory.create(username="staff")


@pytest.fixture
def order(buyer: User, seller: User) -> Any:
    return make_order(buyer=buyer, seller=seller)


@pytest.fixture
def actors(buyer: User, seller: User, stranger: User, staff: User) -> dict[str, User | None]:
    return {
        "anonymous": None,
        "buyer": buyer,
        "seller": seller,
        "stranger": stranger,
        "staff": staff,
    }
