"""`Idempotency-Key` on the party API's writes (docs/design.md §6, Idempotent writes): a retry with
the same key and body replays the first answer and does no second write; everything else about a
key is refused with a clear error and leaves nothing behind."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from rest_framework.test import APIClient

from accounts.models import User
from disputes.models import Dispute, DisputeStatus, Evidence, Message
from idempotency.models import IdempotencyKey
from tests.conftest import bearer
from tests.disputes.helpers import REASON
from tests.evidence.conftest import evidence_root  # noqa: F401 (the evidence folder fixture)
from tests.evidence.helpers import upload
from tests.factories import make_dispute

pytestmark = pytest.mark.django_db

KEY = "retry-7c1d2b4e"


def keyed(key: str = KEY) -> dict[str, Any]:
    return {"HTTP_IDEMPOTENCY_KEY": key}


def post_message(client: APIClient, dispute: Dispute, body: str, key: str = KEY) -> Any:
    return client.post(
        f"/api/disputes/{dispute.pk}/messages", {"message": body}, format="json", **keyed(key)
    )


def test_a_retried_message_is_replayed_not_posted_twice(
    client_for: Callable[..., APIClient], order: Any, run_tasks: Callable[[], None]
) -> None:
    dispute = make_dispute(order=order)
    client = client_for(order.seller)

    first = post_message(client, dispute, "The parcel left on Monday.")
    run_tasks()
    queued = DBTaskResult.objects.count()
    mail.outbox.clear()
    again = post_message(client, dispute, "The parcel left on Monday.")
    run_tasks()

    assert first.status_code == 201
    assert "Idempotent-Replayed" not in first
    assert again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert Message.objects.filter(dispute=dispute).count() == 1
    # Nothing queued, so nothing sent: the buyer heard of the message once.
    assert DBTaskResult.objects.count() == queued
    assert mail.outbox == []


def test_the_same_key_with_another_body_is_422_and_writes_nothing(
    client_for: Callable[..., APIClient], order: Any
) -> None:
    dispute = make_dispute(order=order)
    client = client_for(order.seller)
    assert post_message(client, dispute, "The parcel left on Monday.").status_code == 201

    response = post_message(client, dispute, "Actually it left on Tuesday.")

    assert response.status_code == 422
    assert response.json()["code"] == "idempotency_key_reused"
    assert list(Message.objects.filter(dispute=dispute).values_list("body", flat=True)) == [
        "The parcel left on Monday."
    ]


def test_the_same_key_on_another_endpoint_is_422(
    client_for: Callable[..., APIClient], order: Any
) -> None:
    dispute = make_dispute(order=order)
    client = client_for(order.buyer)
    assert post_message(client, dispute, "Still waiting.").status_code == 201

    response = client.post(f"/api/disputes/{dispute.pk}/withdraw", {}, format="json", **keyed())

    assert response.status_code == 422
    assert Dispute.objects.get(pk=dispute.pk).status == DisputeStatus.NEEDS_RESPONSE


def test_keys_belong_to_their_user(client_for: Callable[..., APIClient], order: Any) -> None:
    dispute = make_dispute(order=order)

    by_buyer = post_message(client_for(order.buyer), dispute, "Same words.")
    by_seller = post_message(client_for(order.seller), dispute, "Same words.")

    assert by_buyer.status_code == by_seller.status_code == 201
    assert "Idempotent-Replayed" not in by_seller
    assert Message.objects.filter(dispute=dispute).count() == 2


@pytest.mark.parametrize(
    ("key", "why"),
    [
        ("", "empty"),
        ("k" * 256, "too long"),
        ("tab\there", "a control character"),
        ("clé", "not ASCII"),
    ],
)
def test_a_malformed_key_is_400_and_nothing_is_written(
    client_for: Callable[..., APIClient], order: Any, key: str, why: str
) -> None:
    dispute = make_dispute(order=order)

    response = post_message(client_for(order.seller), dispute, "Hello.", key=key)

    assert response.status_code == 400, why
    body = response.json()
    assert body["code"] == "idempotency_key_invalid"
    assert list(body["details"]) == ["Idempotency-Key"]
    assert not Message.objects.filter(dispute=dispute).exists()
    assert not IdempotencyKey.objects.exists()


def test_the_longest_key_is_accepted(client_for: Callable[..., APIClient], order: Any) -> None:
    dispute = make_dispute(order=order)

    response = post_message(client_for(order.seller), dispute, "Hello.", key="k" * 255)

    assert response.status_code == 201


def test_a_refused_first_request_frees_the_key(
    client_for: Callable[..., APIClient], order: Any
) -> None:
    dispute = make_dispute(order=order)
    client = client_for(order.seller)

    refused = post_message(client, dispute, "   ")
    corrected = post_message(client, dispute, "Now with words.")

    assert refused.status_code == 400
    assert corrected.status_code == 201
    assert "Idempotent-Replayed" not in corrected
    assert Message.objects.filter(dispute=dispute).count() == 1


def test_a_stranger_with_a_key_gets_the_same_answer_as_without(
    client_for: Callable[..., APIClient], order: Any, stranger: User
) -> None:
    dispute = make_dispute(order=order)
    client = client_for(stranger)

    # Not even a malformed body or key is looked at before the caller is known.
    with_key = client.post(
        f"/api/disputes/{dispute.pk}/messages", "{", content_type="application/json", **keyed("")
    )
    without = client.post(
        f"/api/disputes/{dispute.pk}/messages", "{", content_type="application/json"
    )

    assert with_key.status_code == without.status_code == 403
    assert with_key.json() == without.json()
    assert not IdempotencyKey.objects.exists()


def test_an_expired_key_is_a_new_request(client_for: Callable[..., APIClient], order: Any) -> None:
    dispute = make_dispute(order=order)
    client = client_for(order.seller)
    assert post_message(client, dispute, "Once.").status_code == 201
    IdempotencyKey.objects.update(created_at=timezone.now() - timedelta(hours=24, seconds=1))

    response = post_message(client, dispute, "Once.")

    assert response.status_code == 201
    assert "Idempotent-Replayed" not in response
    assert Message.objects.filter(dispute=dispute).count() == 2


def test_a_key_just_inside_its_lifetime_still_replays(
    client_for: Callable[..., APIClient], order: Any
) -> None:
    dispute = make_dispute(order=order)
    client = client_for(order.seller)
    assert post_message(client, dispute, "Once.").status_code == 201
    IdempotencyKey.objects.update(created_at=timezone.now() - timedelta(hours=23, minutes=59))

    response = post_message(client, dispute, "Once.")

    assert response["Idempotent-Replayed"] == "true"
    assert Message.objects.filter(dispute=dispute).count() == 1


def test_opening_a_dispute_twice_with_one_key_opens_one(
    client_for: Callable[..., APIClient], order: Any
) -> None:
    client = client_for(order.buyer)
    body = {"orderId": order.pk, "reason": REASON}

    first = client.post("/api/disputes", body, format="json", **keyed())
    # Same JSON object, keys in another order: the same request.
    again = client.post("/api/disputes", dict(reversed(body.items())), format="json", **keyed())

    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert again.content == first.content
    assert Dispute.objects.filter(order=order).count() == 1


def test_a_retried_withdraw_replays_its_200_instead_of_409(
    client_for: Callable[..., APIClient], order: Any
) -> None:
    dispute = make_dispute(order=order)
    client = client_for(order.buyer)
    url = f"/api/disputes/{dispute.pk}/withdraw"

    first = client.post(url, {}, format="json", **keyed())
    again = client.post(url, {}, format="json", **keyed())
    unkeyed = client.post(url, {}, format="json")

    assert first.status_code == again.status_code == 200
    assert again.json() == first.json()
    assert again.json()["status"] == "CLOSED"
    assert unkeyed.status_code == 409


def test_a_retried_upload_stores_one_file(
    order: Any,
    evidence_root: Path,  # noqa: F811
) -> None:
    dispute = make_dispute(order=order)
    client = APIClient()
    client.credentials(**bearer(order.seller), HTTP_IDEMPOTENCY_KEY=KEY)

    first = upload(client, dispute.pk, description="Receipt")
    again = upload(client, dispute.pk, description="Receipt")
    other = upload(client, dispute.pk, description="Another receipt")

    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert other.status_code == 422
    assert Evidence.objects.filter(dispute=dispute).count() == 1


def test_reads_ignore_the_header(client_for: Callable[..., APIClient], order: Any) -> None:
    dispute = make_dispute(order=order)
    client = client_for(order.seller)

    response = client.get(f"/api/disputes/{dispute.pk}/messages", **keyed(""))

    assert response.status_code == 200
    assert not IdempotencyKey.objects.exists()


def test_purge_deletes_only_expired_keys(client_for: Callable[..., APIClient], order: Any) -> None:
    dispute = make_dispute(order=order)
    client = client_for(order.seller)
    post_message(client, dispute, "Old.", key="old")
    post_message(client, dispute, "New.", key="new")
    IdempotencyKey.objects.filter(key="old").update(created_at=timezone.now() - timedelta(hours=25))

    out = io.StringIO()
    call_command("purge_idempotency_keys", stdout=out)

    assert out.getvalue() == "Deleted 1 expired idempotency keys.\n"
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["new"]
