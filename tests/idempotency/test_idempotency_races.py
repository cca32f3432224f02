"""Two requests with one Idempotency-Key at the same moment do the work once (PostgreSQL, real
threads and transactions): the unique (user, key) claim lets one run; the other is told it is in
progress, and once the first has answered every retry gets that answer."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from django.db import connection, transaction
from rest_framework.test import APIClient

from disputes.models import Dispute, Message
from idempotency.models import IdempotencyKey
from tests.conftest import bearer
from tests.disputes.test_concurrency import run_parallel
from tests.factories import make_dispute

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.concurrency]

KEY = "race-5f0e"


def _post(dispute: Dispute, body: str = "Sent once, whatever the network does.") -> Any:
    client = APIClient()
    client.credentials(**bearer(dispute.seller), HTTP_IDEMPOTENCY_KEY=KEY)
    return client.post(f"/api/disputes/{dispute.pk}/messages", {"message": body}, format="json")


def test_a_second_request_while_the_first_runs_is_409_then_retries_replay() -> None:
    dispute = make_dispute()
    answers: dict[str, Any] = {}

    def first() -> None:
        try:
            answers["first"] = _post(dispute)
        finally:
            connection.close()

    with transaction.atomic():
        # Hold the dispute's row lock: the first request claims its key, then waits here.
        Dispute.objects.select_for_update().get(pk=dispute.pk)
        thread = threading.Thread(target=first)
        thread.start()
        deadline = time.monotonic() + 30
        while not IdempotencyKey.objects.filter(key=KEY).exists():
            assert time.monotonic() < deadline, "the first request never claimed its key"
            time.sleep(0.02)
        second = _post(dispute)
    thread.join(timeout=30)
    assert not thread.is_alive()
    retry = _post(dispute)

    assert second.status_code == 409
    assert second.json()["code"] == "idempotency_key_in_progress"
    assert answers["first"].status_code == 201
    assert retry.status_code == 201
    assert retry["Idempotent-Replayed"] == "true"
    assert retry.json() == answers["first"].json()
    assert Message.objects.filter(dispute=dispute).count() == 1


def test_ten_simultaneous_requests_with_one_key_post_one_message() -> None:
    dispute = make_dispute()

    results = run_parallel(10, lambda i: _post(dispute))

    responses = [value for kind, value in results if kind == "ok"]
    assert len(responses) == 10
    originals = [r for r in responses if r.status_code == 201 and "Idempotent-Replayed" not in r]
    assert len(originals) == 1
    # The others either arrived while it ran (409) or after it answered (its answer again).
    for response in responses:
        if response is originals[0]:
            continue
        if response.status_code == 409:
            assert response.json()["code"] == "idempotency_key_in_progress"
        else:
            assert response.status_code == 201
            assert response.json() == originals[0].json()
    assert Message.objects.filter(dispute=dispute).count() == 1
