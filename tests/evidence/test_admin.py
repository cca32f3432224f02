"""The admin's dispute page lists every file (internal ones marked) and serves them to support
staff only, with the API's download headers, in a query count constant in the number of files."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest
from django.conf import LazySettings
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from disputes import services
from disputes.models import Dispute, DisputeStatus, Evidence
from disputes.selectors.evidence import evidence_of_dispute
from orders.models import Order
from tests.evidence.conftest import PDF_BYTES, stored_files
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


def _upload(client: Client, dispute: Dispute, data: bytes, name: str, **fields: str) -> Any:
    return client.post(
        f"/admin/disputes/dispute/{dispute.pk}/evidence/",
        {
            "kind": "receipt",
            "visibility": "public",
            "file": SimpleUploadedFile(name, data),
            **fields,
        },
    )


def _flashed(response: Any) -> list[tuple[str, str]]:
    return [(m.level_tag, str(m)) for m in get_messages(response.wsgi_request)]


def test_dispute_page_offers_the_upload_form(dispute: Dispute, staff: User) -> None:
    html = _client(staff).get(f"/admin/disputes/dispute/{dispute.pk}/change/").content.decode()
    assert f'action="/admin/disputes/dispute/{dispute.pk}/evidence/"' in html
    assert 'enctype="multipart/form-data"' in html and 'name="visibility"' in html


@pytest.mark.parametrize(
    ("visibility", "event", "message"),
    [
        ("public", "evidence_added", "r.pdf added; the buyer and the seller can see it."),
        ("internal", "internal_evidence_added", "r.pdf added as internal evidence (staff only)."),
    ],
)
def test_staff_upload_from_the_desk_goes_through_the_service(
    visibility: str, event: str, message: str, dispute: Dispute, staff: User
) -> None:
    response = _upload(
        _client(staff), dispute, PDF_BYTES, "r.pdf", visibility=visibility, description="Invoice"
    )
    assert response.status_code == 302
    assert response["Location"] == f"/admin/disputes/dispute/{dispute.pk}/change/"
    assert _flashed(response) == [("success", message)]
    evidence = Evidence.objects.get()
    assert (evidence.uploader, evidence.kind, evidence.description, evidence.visibility) == (
        staff,
        "receipt",
        "Invoice",
        visibility,
    )
    assert evidence.file_name == "r.pdf" and evidence.size == len(PDF_BYTES)
    assert dispute.events.filter(type=event, payload__evidence_id=evidence.pk).count() == 1
    party_view = [e.pk for e in evidence_of_dispute(dispute.buyer, dispute_id=dispute.pk)]
    assert party_view == ([evidence.pk] if visibility == "public" else [])


@pytest.mark.parametrize(
    ("data", "fields", "error"),
    [
        (b"<html><script>x</script></html>", {}, "Refused: The file's contents are not of an"),
        (PDF_BYTES, {"visibility": "everyone"}, "Refused: Visibility: Select a valid choice."),
        (PDF_BYTES, {"kind": "selfie"}, "Refused: Kind: Select a valid choice."),
        (PDF_BYTES, {"description": "x" * 501}, "Refused: Description: Ensure this value"),
    ],
)
def test_a_refused_upload_is_an_error_message_on_the_desk(
    data: bytes, fields: dict[str, str], error: str, dispute: Dispute, staff: User
) -> None:
    response = _upload(_client(staff), dispute, data, "x.pdf", **fields)
    assert response.status_code == 302
    [(level, text)] = _flashed(response)
    assert level == "error" and text.startswith(error)
    assert not Evidence.objects.exists()


def test_a_missing_file_is_an_error_message_on_the_desk(dispute: Dispute, staff: User) -> None:
    response = _client(staff).post(
        f"/admin/disputes/dispute/{dispute.pk}/evidence/", {"kind": "photo", "visibility": "public"}
    )
    assert _flashed(response) == [("error", "Refused: File: This field is required.")]


def test_a_decided_dispute_refuses_a_desk_upload(order: Order, staff: User) -> None:
    decided = make_dispute(order=order, state=DisputeStatus.WON, staff=staff)
    [(level, text)] = _flashed(_upload(_client(staff), decided, PDF_BYTES, "r.pdf"))
    assert level == "error" and "takes no new evidence" in text
    assert not Evidence.objects.exists()


def test_parties_cannot_upload_from_the_desk(dispute: Dispute, buyer: User) -> None:
    assert _upload(_client(buyer), dispute, PDF_BYTES, "r.pdf").status_code == 302
    assert not Evidence.objects.exists()


def _export(client: Client, disputes: list[Dispute], action: str) -> list[dict[str, str]]:
    response = client.post(
        "/admin/disputes/dispute/",
        {"action": action, "_selected_action": [str(d.pk) for d in disputes]},
    )
    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode()  # type: ignore[attr-defined]
    return list(csv.DictReader(io.StringIO(body)))


@pytest.mark.parametrize(
    ("action", "expected"), [("export_csv", "1"), ("export_csv_with_notes", "2")]
)
def test_export_counts_evidence_internal_only_with_notes(
    action: str, expected: str, dispute: Dispute, buyer: User, staff: User
) -> None:
    _add(buyer, dispute)
    _add(staff, dispute, "internal")
    services.message_post(actor=buyer, dispute_id=dispute.pk, body="First")
    services.message_post(actor=buyer, dispute_id=dispute.pk, body="Second")
    empty = make_dispute(staff=staff)
    exported = _export(_client(staff), [dispute, empty], action)
    counts = [(r["dispute_id"], r["evidence_count"]) for r in exported]
    assert counts == [
        (str(dispute.pk), expected),
        (str(dispute.pk), expected),
        (str(empty.pk), "0"),
    ]


@pytest.mark.parametrize("action", ["export_csv", "export_csv_with_notes"])
def test_export_query_count_is_the_same_for_1_and_20_disputes(action: str, staff: User) -> None:
    client = _client(staff)
    disputes: list[Dispute] = []

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            _export(client, disputes, action)
        return len(queries)

    def grow() -> None:
        dispute = make_dispute(staff=staff)
        _add(dispute.buyer, dispute)
        _add(staff, dispute, "internal")
        services.message_post(actor=dispute.buyer, dispute_id=dispute.pk, body="Hello")
        disputes.append(dispute)

    grow()
    _export(client, disputes, action)  # session and content types warm
    one = count()
    for _ in range(19):
        grow()
    assert one == count()


def test_a_desk_upload_past_the_limit_is_stopped_while_it_streams(
    dispute: Dispute, staff: User, settings: LazySettings, evidence_root: Path
) -> None:
    settings.EVIDENCE_MAX_BYTES = 1024
    response = _upload(_client(staff), dispute, PDF_BYTES + b"%" * 4096, "big.pdf")
    assert response.status_code == 302
    assert _flashed(response) == [("error", "Refused: a file may be at most 1024 bytes.")]
    assert not Evidence.objects.exists()
    assert stored_files(evidence_root) == []


def test_a_desk_upload_still_needs_the_csrf_token(dispute: Dispute, staff: User) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff)
    response = _upload(client, dispute, PDF_BYTES, "r.pdf")
    assert response.status_code == 403
    assert not Evidence.objects.exists()
