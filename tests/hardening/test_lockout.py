"""Every way in is throttled by one mechanism (issue 15, point 1; docs/security.md, threat 1):
django-axes counts failed logins per account and per client address, over the API login, the
token endpoint, the page login and the admin login alike, and locks for a cool-off.

These tests run with the production limits (echo_disputes.settings), not the test settings'
raised ones."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

import pytest
from axes.models import AccessAttempt
from django.db.models import F
from django.test import Client
from rest_framework.test import APIClient

from accounts.lockout import lockout_message
from accounts.models import User
from echo_disputes import settings as production
from tests.factories import PASSWORD, StaffFactory, UserFactory

pytestmark = pytest.mark.django_db

WRONG = "not-the-password"
LIMIT = 5
COOLOFF = timedelta(minutes=15)
LOCKED_BODY_CODE = "locked_out"


@pytest.fixture(autouse=True)
def _production_limits(settings: Any) -> None:
    settings.AXES_FAILURE_LIMIT = production.AXES_FAILURE_LIMIT
    settings.AXES_COOLOFF_TIME = production.AXES_COOLOFF_TIME


@pytest.fixture
def alice(db: Any) -> User:
    return UserFactory.create(username="alice")


@pytest.fixture
def desk(db: Any) -> User:
    return StaffFactory.create(username="desk")


def api_login(email: str, password: str, ip: str = "10.0.0.1", **extra: Any) -> Any:
    return APIClient().post(
        "/api/users/login",
        {"email": email, "password": password},
        format="json",
        REMOTE_ADDR=ip,
        **extra,
    )


def token_login(email: str, password: str, ip: str = "10.0.0.1", **extra: Any) -> Any:
    return APIClient().post(
        "/api/auth/token",
        {"email": email, "password": password},
        format="json",
        REMOTE_ADDR=ip,
        **extra,
    )


def page_login(
    email: str, password: str, ip: str = "10.0.0.1", client: Client | None = None
) -> Any:
    client = client or Client()
    return client.post(
        "/accounts/login/", {"username": email, "password": password}, REMOTE_ADDR=ip
    )


def admin_login(
    email: str, password: str, ip: str = "10.0.0.1", client: Client | None = None
) -> Any:
    client = client or Client()
    return client.post(
        "/admin/login/?next=/admin/",
        {"username": email, "password": password, "next": "/admin/"},
        REMOTE_ADDR=ip,
    )


def assert_locked_json(response: Any) -> None:
    assert response.status_code == 429
    assert response["Content-Type"] == "application/json"
    assert response["Retry-After"] == "900"
    assert response.json() == {
        "error": lockout_message(),
        "code": LOCKED_BODY_CODE,
        "details": {"retry_after": ["900"]},
    }


def assert_locked_page(response: Any, template: str) -> None:
    assert response.status_code == 429
    assert response["Retry-After"] == "900"
    assert response["Content-Type"].startswith("text/html")
    assert template in [t.name for t in response.templates]
    body = response.content.decode()
    assert lockout_message() in body
    assert "Traceback" not in body


def test_the_production_defaults_are_five_failures_and_fifteen_minutes() -> None:
    assert production.AXES_FAILURE_LIMIT == LIMIT
    assert production.AXES_COOLOFF_TIME == COOLOFF
    assert production.AXES_LOCKOUT_PARAMETERS == ["username", "ip_address"]
    assert lockout_message() == (
        "Too many failed logins for this account or from this address. "
        "Logging in is locked for 15 minutes; try again after that."
    )


def test_an_account_is_locked_after_five_failures_from_five_addresses(
    alice: User, desk: User
) -> None:
    statuses = [api_login(alice.email, WRONG, ip=f"10.0.1.{n}").status_code for n in range(LIMIT)]
    assert statuses == [401, 401, 401, 401, 429]

    # The right password, from an address that never failed: still refused.
    assert_locked_json(api_login(alice.email, PASSWORD, ip="10.0.9.9"))
    # The email as typed in another case is the same account.
    assert_locked_json(api_login(alice.email.upper(), PASSWORD, ip="10.0.9.8"))
    # Another account is not locked by alice's failures.
    assert api_login(desk.email, PASSWORD, ip="10.0.9.7").status_code == 200


def test_an_address_is_locked_after_five_failures_across_accounts(alice: User, desk: User) -> None:
    emails = ["nobody@example.com", "ghost@example.com", "x@example.com", alice.email]
    statuses = [api_login(email, WRONG, ip="10.0.2.1").status_code for email in emails]
    assert statuses == [401, 401, 401, 401]
    assert_locked_json(api_login("fifth@example.com", WRONG, ip="10.0.2.1"))

    # A staff account's right password from that address is refused too...
    assert_locked_json(api_login(desk.email, PASSWORD, ip="10.0.2.1"))
    # ...but not from another address (the staff account itself has no failures).
    assert api_login(desk.email, PASSWORD, ip="10.0.2.2").status_code == 200


def test_failures_anywhere_count_at_every_way_in(desk: User) -> None:
    # A staff account: staff are locked like anyone.
    assert page_login(desk.email, WRONG).status_code == 200
    assert page_login(desk.email, WRONG).status_code == 200
    assert admin_login(desk.email, WRONG).status_code == 200
    assert token_login(desk.email, WRONG).status_code == 401
    # The fifth failure, on the API login, locks.
    assert_locked_json(api_login(desk.email, WRONG))

    assert AccessAttempt.objects.get().failures_since_start == LIMIT
    # Every way in now refuses the right password, wherever it comes from.
    assert_locked_json(api_login(desk.email, PASSWORD, ip="10.0.3.1"))
    assert_locked_json(token_login(desk.email, PASSWORD, ip="10.0.3.2"))
    assert_locked_page(page_login(desk.email, PASSWORD, ip="10.0.3.3"), "registration/login.html")
    client = Client()
    assert_locked_page(
        admin_login(desk.email, PASSWORD, ip="10.0.3.4", client=client), "admin/login.html"
    )
    # Not logged in: the admin still sends the staff member to its login page.
    assert client.get("/admin/").status_code == 302


def test_the_page_and_admin_logins_lock_and_say_so(alice: User, desk: User) -> None:
    for _ in range(LIMIT - 1):
        assert page_login(alice.email, WRONG).status_code == 200
    locked = page_login(alice.email, WRONG)
    assert_locked_page(locked, "registration/login.html")
    assert locked.context["form"].errors.as_data()["__all__"][0].code == "locked_out"

    for n in range(LIMIT - 1):
        assert admin_login(desk.email, WRONG, ip=f"10.0.4.{n}").status_code == 200
    assert_locked_page(admin_login(desk.email, WRONG, ip="10.0.4.9"), "admin/login.html")


def test_the_right_password_is_refused_until_the_cooloff_has_passed(alice: User) -> None:
    for n in range(LIMIT):
        api_login(alice.email, WRONG, ip=f"10.0.5.{n}")

    # Almost the whole cool-off later: still locked (and the refused attempt restarts it).
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - COOLOFF + timedelta(minutes=1))
    assert_locked_json(api_login(alice.email, PASSWORD, ip="10.0.5.9"))
    assert page_login(alice.email, PASSWORD, ip="10.0.5.9").status_code == 429

    # Once a whole cool-off has passed since the last failure, the right password works.
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - COOLOFF - timedelta(seconds=1))
    assert api_login(alice.email, PASSWORD, ip="10.0.5.9").status_code == 200
    assert token_login(alice.email, PASSWORD, ip="10.0.5.9").status_code == 200
    response = page_login(alice.email, PASSWORD, ip="10.0.5.9")
    assert response.status_code == 302
    assert response["Location"] == "/disputes/"


def test_a_success_on_the_attackers_own_account_does_not_clear_the_victims_count(
    alice: User,
) -> None:
    attacker = UserFactory.create(username="mallory")
    for _ in range(LIMIT - 1):
        assert page_login(alice.email, WRONG, ip="10.0.6.1").status_code == 200
    assert page_login(attacker.email, PASSWORD, ip="10.0.6.1").status_code == 302
    assert_locked_page(page_login(alice.email, WRONG, ip="10.0.6.1"), "registration/login.html")


def test_the_token_endpoint_answers_429_json_with_retry_after(alice: User) -> None:
    statuses = [token_login(alice.email, WRONG, ip=f"10.0.7.{n}").status_code for n in range(4)]
    assert statuses == [401, 401, 401, 401]
    assert_locked_json(token_login(alice.email, WRONG, ip="10.0.7.8"))
    assert_locked_json(token_login(alice.email, PASSWORD, ip="10.0.7.9"))


def test_a_forged_x_forwarded_for_is_ignored_without_a_proxy(alice: User) -> None:
    statuses = [
        api_login(
            f"guess{n}@example.com", WRONG, ip="10.0.8.1", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}"
        ).status_code
        for n in range(LIMIT)
    ]
    assert statuses == [401, 401, 401, 401, 429]
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"10.0.8.1"}
    assert_locked_json(
        api_login(alice.email, PASSWORD, ip="10.0.8.1", HTTP_X_FORWARDED_FOR="198.51.100.99")
    )


def test_behind_a_proxy_the_address_it_forwarded_is_counted(settings: Any, alice: User) -> None:
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    proxy = "10.0.0.254"
    # Five clients behind the proxy, one failure each: nobody is locked.
    for n in range(LIMIT):
        response = api_login(
            f"guess{n}@example.com", WRONG, ip=proxy, HTTP_X_FORWARDED_FOR=f"203.0.113.{n}"
        )
        assert response.status_code == 401
    assert (
        api_login(alice.email, PASSWORD, ip=proxy, HTTP_X_FORWARDED_FOR="203.0.113.50").status_code
        == 200
    )

    # One client forging the left of the header: our proxy appended its real address on the right.
    statuses = [
        api_login(
            f"spray{n}@example.com",
            WRONG,
            ip=proxy,
            HTTP_X_FORWARDED_FOR=f"192.0.2.{n}, 203.0.113.77",
        ).status_code
        for n in range(LIMIT)
    ]
    assert statuses == [401, 401, 401, 401, 429]
    assert_locked_json(
        api_login(alice.email, PASSWORD, ip=proxy, HTTP_X_FORWARDED_FOR="192.0.2.99, 203.0.113.77")
    )
    counted = set(AccessAttempt.objects.values_list("ip_address", flat=True))
    assert counted == {f"203.0.113.{n}" for n in range(LIMIT)} | {"203.0.113.77"}


def test_lockouts_log_nothing_at_error_level(
    caplog: pytest.LogCaptureFixture, alice: User, desk: User
) -> None:
    caplog.set_level(logging.WARNING)
    for _ in range(LIMIT + 1):
        api_login(alice.email, WRONG)
    token_login(alice.email, PASSWORD)
    page_login(alice.email, PASSWORD)
    admin_login(desk.email, PASSWORD)
    assert AccessAttempt.objects.filter(username=alice.email).exists()
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []


def test_behind_a_proxy_a_forwarded_value_that_is_no_address_counts_as_the_peer(
    settings: Any,
) -> None:
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    response = api_login("x@example.com", WRONG, ip="10.0.0.254", HTTP_X_FORWARDED_FOR="not-an-ip")
    assert response.status_code == 401
    assert list(AccessAttempt.objects.values_list("ip_address", flat=True)) == ["10.0.0.254"]
