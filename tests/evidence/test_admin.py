"""The admin's dispute page lists every file (internal ones marked) and serves them to support
staff only, with the API's download headers, in a query count constant in the number of files."""

from __future__ import annotations

import pytest
from django.conf import LazySettings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from disputes import services
from disputes.models import Dispute, Evidence
from orders.models import Order
from tests.evidence.helpers import served
from tests.factories import make_dispute

pytestmark = pytest.mark.django_db


def _add(
    actor: User, dispute: Dispute, visibility: str = "public", name: str = "a.txt"
) -> Evidence:
    return services.evidence_add(
        actor=actor,
        dispute_id=dispute.pk,
        upload=SimpleUploadedFile(name, b"Tracking number 123"),
        file_name=name,
        visibility=visibility,
    )


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def dispute(order: Order, staff: User) -> Dispute:
    return make_dispute(order=order, staff=staff)


def test_dispute_page_lists_every_file(dispute: Dispute, buyer: User, staff: User) -> None:
    _add(buyer, dispute, name="receipt.txt")
    _add(staff, dispute, "internal", name="risk-check.txt")
    html = _client(staff).get(f"/admin/disputes/dispute/{dispute.pk}/change/").content.decode()
    assert "receipt.txt" in html and "risk-check.txt" in html
    assert html.count("internal (staff only)") == 1


@pytest.mark.parametrize("visibility", ["public", "internal"])
def test_staff_download_from_the_desk(
    visibility: str, dispute: Dispute, buyer: User, staff: User
) -> None:
    evidence = _add(buyer if visibility == "public" else staff, dispute, visibility)
    url = f"/admin/disputes/dispute/{dispute.pk}/evidence/{evidence.pk}/file/"
    response = _client(staff).get(url)
    assert response.status_code == 200
    assert served(response) == b"Tracking number 123"
    assert response["Content-Disposition"] == 'attachment; filename="a.txt"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"].startswith("private")


def test_parties_cannot_download_from_the_desk(dispute: Dispute, buyer: User) -> None:
    evidence = _add(buyer, dispute)
    url = f"/admin/disputes/dispute/{dispute.pk}/evidence/{evidence.pk}/file/"
    assert _client(buyer).get(url).status_code == 302  # to the admin's login
    assert Client().get(url).status_code == 302


def test_unknown_file_on_the_desk_is_404(dispute: Dispute, staff: User) -> None:
    other = make_dispute(staff=staff)
    evidence = _add(other.buyer, other)
    client = _client(staff)
    assert (
        client.get(f"/admin/disputes/dispute/{dispute.pk}/evidence/{evidence.pk}/file/").status_code
        == 404
    )
    assert (
        client.get(f"/admin/disputes/dispute/999999/evidence/{evidence.pk}/file/").status_code
        == 404
    )


def test_dispute_page_query_count_is_the_same_for_1_and_20_files(
    dispute: Dispute, buyer: User, seller: User, staff: User, settings: LazySettings
) -> None:
    settings.EVIDENCE_MAX_FILES = 40
    client = _client(staff)
    page = f"/admin/disputes/dispute/{dispute.pk}/change/"

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(page).status_code == 200
        return len(queries)

    _add(buyer, dispute)
    client.get(page)  # session and content types warm
    one = count()
    for i in range(19):
        _add((buyer, seller, staff)[i % 3], dispute)
    assert one == count()
