"""A refused request (429) is answered late, so a flood costs its sender time rather than the
desk's CPU (issue 15, the soak; docs/security.md, threat 12). At most ECHO_REFUSAL_DELAY_SLOTS
refusals wait at once in a process; past that they are answered at once."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory
from rest_framework.test import APIClient

from echo_disputes.refusal_delay import RefusalDelayMiddleware
from tests.factories import UserFactory

DELAY = 0.4


def answering(status: int) -> RefusalDelayMiddleware:
    return RefusalDelayMiddleware(lambda request: HttpResponse(status=status))


def timed(middleware: RefusalDelayMiddleware) -> tuple[int, float]:
    request: HttpRequest = RequestFactory().get("/api/disputes")
    started = time.monotonic()
    response = middleware(request)
    return response.status_code, time.monotonic() - started


@pytest.fixture
def delayed(settings: Any) -> None:
    settings.ECHO_REFUSAL_DELAY_SECONDS = DELAY
    settings.ECHO_REFUSAL_DELAY_SLOTS = 1


def test_a_refusal_waits_the_delay(delayed: None) -> None:
    status, elapsed = timed(answering(429))
    assert status == 429
    assert elapsed >= DELAY


@pytest.mark.parametrize("status", [200, 400, 401, 403, 503])
def test_any_other_answer_leaves_at_once(delayed: None, status: int) -> None:
    answer, elapsed = timed(answering(status))
    assert answer == status
    assert elapsed < DELAY


def test_no_delay_when_it_is_off(settings: Any) -> None:
    settings.ECHO_REFUSAL_DELAY_SECONDS = 0
    status, elapsed = timed(answering(429))
    assert status == 429
    assert elapsed < DELAY


def test_past_the_slots_a_refusal_leaves_at_once(delayed: None) -> None:
    middleware = answering(429)
    first: list[float] = []
    waiting = threading.Thread(target=lambda: first.append(timed(middleware)[1]))
    waiting.start()
    time.sleep(DELAY / 4)
    # The one slot is taken by the first refusal, still asleep: the second does not wait.
    status, elapsed = timed(middleware)
    waiting.join()
    assert status == 429
    assert elapsed < DELAY / 2
    assert first[0] >= DELAY
    # Once the slot is free again, the next refusal waits.
    assert timed(middleware)[1] >= DELAY


@pytest.mark.django_db
def test_a_throttled_login_is_answered_late_and_a_good_one_is_not(settings: Any) -> None:
    settings.ECHO_REFUSAL_DELAY_SECONDS = DELAY
    user = UserFactory.create()
    client = APIClient()
    body = {"email": user.email, "password": "wrong"}
    rate = int(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["login"].split("/")[0])
    started = time.monotonic()
    statuses = [
        client.post("/api/users/login", body, format="json", REMOTE_ADDR="10.9.0.1").status_code
        for _ in range(rate)
    ]
    assert 429 not in statuses
    assert time.monotonic() - started < DELAY * rate
    started = time.monotonic()
    refused = client.post("/api/users/login", body, format="json", REMOTE_ADDR="10.9.0.1")
    assert refused.status_code == 429
    assert refused.json()["code"] == "throttled"
    assert time.monotonic() - started >= DELAY
