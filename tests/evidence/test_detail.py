"""`GET /api/disputes/{id}` carries the dispute's evidence beside its messages, as the caller may
see it, in a constant number of queries."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.conf import LazySettings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from accounts.models import User
from disputes import services
from disputes.models import Dispute, Evidence
from orders.models import Order
from tests.evidence.helpers import EVIDENCE_FIELDS
from tests.factories import make_dispute, make_order

pytestmark = pytest.mark.django_db
Clients = Callable[..., APIClient]


def _add(actor: User, dispute: Dispute, visibility: str = "public") -> Evidence:
    return services.evidence_add(
        actor=actor,
        dispute_id=dispute.pk,
        upload=SimpleUploadedFile("a.txt", b"Tracking number 123"),
        file_name="a.txt",
        visibility=visibility,
    )


@pytest.mark.parametrize("role", ["buyer", "seller", "staff"])
def test_detail_lists_the_evidence_the_caller_may_see(
    role: str, order: Order, buyer: User, seller: User, staff: User, client_for: Clients
) -> None:
    dispute = make_dispute(order=order, staff=staff)
    public = _add(seller, dispute)
    internal = _add(staff, dispute, visibility="internal")
    user = {"buyer": buyer, "seller": seller, "staff": staff}[role]
    for path in (f"/api/disputes/{dispute.pk}", f"/api/disputes/order/{order.pk}"):
        body = client_for(user).get(path).json()
        listed = client_for(user).get(f"/api/disputes/{dispute.pk}/evidence").json()
        assert body["evidence"] == listed
        expected = [public.pk, internal.pk] if role == "staff" else [public.pk]
        assert [e["id"] for e in body["evidence"]] == expected
        assert all(set(e) == EVIDENCE_FIELDS for e in body["evidence"])


def test_a_new_dispute_has_no_evidence(buyer: User, seller: User, client_for: Clients) -> None:
    order = make_order(buyer=buyer, seller=seller)
    response = client_for(buyer).post(
        "/api/disputes", {"orderId": order.pk, "reason": "The parcel never arrived at all."}
    )
    assert response.status_code == 201
    assert response.json()["evidence"] == []


@pytest.mark.parametrize("role", ["buyer", "staff"])
def test_detail_query_count_is_the_same_for_1_and_20_files(
    role: str,
    order: Order,
    buyer: User,
    seller: User,
    staff: User,
    client_for: Clients,
    settings: LazySettings,
) -> None:
    settings.EVIDENCE_MAX_FILES = 40
    dispute = make_dispute(order=order, staff=staff)
    client = client_for(buyer if role == "buyer" else staff)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"/api/disputes/{dispute.pk}").status_code == 200
        return len(queries)

    _add(buyer, dispute)
    one = count()
    for i in range(19):
        actor = (buyer, seller, staff)[i % 3]
        _add(actor, dispute, "internal" if actor == staff and i % 2 else "public")
    assert one == count()
