"""Evidence through the party API (docs/design.md, Evidence): who may upload, list and download,
what a stored file looks like, and what the download answers."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from accounts.models import User
from disputes import services
from disputes.models import Dispute, DisputeEvent, DisputeStatus, EventType, Evidence
from orders.models import Order
from tests.assertions import assert_error
from tests.evidence.conftest import PDF_BYTES, stored_files
from tests.evidence.helpers import EVIDENCE_FIELDS, served, upload
from tests.factories import make_dispute

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "buyer", "seller", "stranger", "staff")
Clients = Callable[..., APIClient]


@pytest.fixture
def dispute(order: Order, staff: User) -> Dispute:
    return make_dispute(order=order, staff=staff)


def _add(actor: User, dispute_id: int, visibility: str = "public") -> Evidence:
    return services.evidence_add(
        actor=actor,
        dispute_id=dispute_id,
        upload=SimpleUploadedFile("n.txt", b"Tracking number 123"),
        file_name="notes.txt",
        visibility=visibility,
    )


UPLOAD_STATUS = {"anonymous": 401, "buyer": 201, "seller": 201, "stranger": 403, "staff": 201}
INTERNAL_UPLOAD_STATUS = {
    "anonymous": 401,
    "buyer": 403,
    "seller": 403,
    "stranger": 403,
    "staff": 201,
}
READ_STATUS = {"anonymous": 401, "buyer": 200, "seller": 200, "stranger": 403, "staff": 200}
INTERNAL_FILE_STATUS = {
    "anonymous": 401,
    "buyer": 404,
    "seller": 404,
    "stranger": 403,
    "staff": 200,
}


@pytest.mark.parametrize("role", ROLES)
def test_upload_role_table(role: str, actors: dict, dispute: Dispute, client_for: Clients) -> None:
    response = upload(client_for(actors[role]), dispute.pk)
    assert response.status_code == UPLOAD_STATUS[role], response.content[:300]
    if response.status_code != 201:
        assert_error(response, UPLOAD_STATUS[role])
        assert not Evidence.objects.exists()


@pytest.mark.parametrize("role", ROLES)
def test_internal_upload_is_staff_only(
    role: str, actors: dict, dispute: Dispute, client_for: Clients, evidence_root: Path
) -> None:
    client = client_for(actors[role])
    response = upload(client, dispute.pk, visibility="internal")
    assert response.status_code == INTERNAL_UPLOAD_STATUS[role], response.content[:300]
    if response.status_code != 201:
        assert not Evidence.objects.exists()
        assert stored_files(evidence_root) == []


@pytest.mark.parametrize("role", ROLES)
def test_list_role_table(
    role: str, actors: dict, dispute: Dispute, buyer: User, staff: User, client_for: Clients
) -> None:
    public = _add(buyer, dispute.pk)
    _add(staff, dispute.pk, visibility="internal")
    response = client_for(actors[role]).get(f"/api/disputes/{dispute.pk}/evidence")
    assert response.status_code == READ_STATUS[role]
    if response.status_code == 200:
        ids = [row["id"] for row in response.json()]
        # Parties never see, list or count internal evidence.
        assert ids == ([public.pk] if role != "staff" else [public.pk, public.pk + 1])
    else:
        assert_error(response, READ_STATUS[role])


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("visibility", ["public", "internal"])
def test_file_role_table(
    role: str,
    visibility: str,
    actors: dict,
    dispute: Dispute,
    staff: User,
    client_for: Clients,
) -> None:
    evidence = _add(staff, dispute.pk, visibility=visibility)
    path = f"/api/disputes/{dispute.pk}/evidence/{evidence.pk}/file"
    response = client_for(actors[role]).get(path)
    expected = (READ_STATUS if visibility == "public" else INTERNAL_FILE_STATUS)[role]
    assert response.status_code == expected
    if expected == 200:
        assert served(response) == b"Tracking number 123"
    else:
        assert_error(response, expected)


@pytest.mark.parametrize(
    "path",
    [
        "/api/disputes/999999/evidence",
        "/api/disputes/999999/evidence/1/file",
        "/api/disputes/{id}/evidence/999999/file",
    ],
)
def test_unknown_dispute_or_file_is_404(
    path: str, dispute: Dispute, buyer: User, client_for: Clients
) -> None:
    response = client_for(buyer).get(path.format(id=dispute.pk))
    assert_error(response, 404)


def test_upload_to_unknown_dispute_is_404(buyer: User, client_for: Clients) -> None:
    assert_error(upload(client_for(buyer), 999999), 404, "dispute_not_found")


def test_upload_answers_the_stored_file(
    dispute: Dispute, buyer: User, client_for: Clients, evidence_root: Path
) -> None:
    client = client_for(buyer)
    response = upload(
        client,
        dispute.pk,
        PDF_BYTES,
        name="../../etc/Re\x07ceipt\u202e.pdf",
        content_type="text/html",
        kind="receipt",
        description="  The invoice.  ",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == EVIDENCE_FIELDS
    assert body["disputeId"] == dispute.pk
    assert body["userId"] == buyer.pk and body["username"] == buyer.username
    assert body["kind"] == "receipt" and body["description"] == "The invoice."
    assert body["fileName"] == "Receipt.pdf"
    assert body["contentType"] == "application/pdf"
    assert body["visibility"] == "public" and body["createdAt"].endswith("Z")
    assert body["size"] == len(PDF_BYTES)
    assert body["sha256"] == hashlib.sha256(PDF_BYTES).hexdigest()
    file_path = f"/api/disputes/{dispute.pk}/evidence/{body['id']}/file"
    assert body["downloadUrl"] == file_path
    event = DisputeEvent.objects.filter(dispute_id=dispute.pk).latest("id")
    assert (event.type, event.actor_id) == (EventType.EVIDENCE_ADDED, buyer.pk)
    assert len(stored_files(evidence_root)) == 1

    download = client.get(file_path)
    assert download.status_code == 200
    content = served(download)
    assert content == PDF_BYTES
    assert len(content) == body["size"] and hashlib.sha256(content).hexdigest() == body["sha256"]
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"] == 'attachment; filename="Receipt.pdf"'
    assert download["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'none'" in download["Content-Security-Policy"]
    assert "sandbox" in download["Content-Security-Policy"]
    assert download["Cache-Control"].startswith("private")


def test_text_is_served_as_utf8_plain_text(
    dispute: Dispute, seller: User, client_for: Clients
) -> None:
    text = "Colis remis au transporteur le 3 mars, numéro 42.\n".encode()
    client = client_for(seller)
    response = upload(client, dispute.pk, text, name="note", content_type="image/png")
    assert response.status_code == 201, response.content
    assert response.json()["fileName"] == "note.txt"
    download = client.get(response.json()["downloadUrl"])
    assert download["Content-Type"] == "text/plain; charset=utf-8"
    assert served(download) == text


def test_list_is_oldest_first_and_the_same_shape(
    dispute: Dispute, buyer: User, seller: User, client_for: Clients
) -> None:
    first = _add(seller, dispute.pk)
    second = _add(buyer, dispute.pk)
    rows = client_for(buyer).get(f"/api/disputes/{dispute.pk}/evidence/").json()
    assert [r["id"] for r in rows] == [first.pk, second.pk]
    assert all(set(r) == EVIDENCE_FIELDS for r in rows)


def test_internal_evidence_leaves_no_trace_for_parties(
    dispute: Dispute, staff: User, buyer: User, client_for: Clients
) -> None:
    before = dispute.updated_at
    response = upload(client_for(staff), dispute.pk, visibility="internal")
    assert response.status_code == 201
    dispute.refresh_from_db()
    assert dispute.updated_at == before
    event = DisputeEvent.objects.filter(dispute_id=dispute.pk).latest("id")
    assert event.type == EventType.INTERNAL_EVIDENCE_ADDED and event.is_internal


@pytest.mark.parametrize("state", [DisputeStatus.WON, DisputeStatus.LOST, DisputeStatus.CLOSED])
def test_a_decided_dispute_takes_no_evidence(
    state: str, order: Order, staff: User, buyer: User, client_for: Clients, evidence_root: Path
) -> None:
    decided = make_dispute(order=order, state=state, staff=staff)
    assert_error(upload(client_for(buyer), decided.pk), 409, "dispute_closed")
    assert stored_files(evidence_root) == [] and not Evidence.objects.exists()


def test_at_most_twenty_files_per_dispute(
    dispute: Dispute, buyer: User, staff: User, client_for: Clients, evidence_root: Path
) -> None:
    for _ in range(19):
        _add(buyer, dispute.pk)
    _add(staff, dispute.pk, visibility="internal")
    body = assert_error(upload(client_for(buyer), dispute.pk), 409, "evidence_limit_reached")
    assert "20" in body["error"]
    assert Evidence.objects.count() == 20 and len(stored_files(evidence_root)) == 20


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"kind": "selfie"}, "kind"),
        ({"visibility": "secret"}, "visibility"),
        ({"description": "x" * 501}, "description"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_fields_are_400(
    fields: dict, field: str, dispute: Dispute, buyer: User, client_for: Clients
) -> None:
    body = assert_error(upload(client_for(buyer), dispute.pk, **fields), 400)
    assert field in body["details"]
    assert not Evidence.objects.exists()


def test_missing_file_is_400(dispute: Dispute, buyer: User, client_for: Clients) -> None:
    response = client_for(buyer).post(
        f"/api/disputes/{dispute.pk}/evidence",
        {"kind": "photo"},
        format="multipart",
    )
    assert "file" in assert_error(response, 400)["details"]


def test_json_body_is_415(dispute: Dispute, buyer: User, client_for: Clients) -> None:
    response = client_for(buyer).post(
        f"/api/disputes/{dispute.pk}/evidence",
        {"file": "aGVsbG8="},
        format="json",
    )
    assert_error(response, 415)


def test_a_file_of_another_dispute_is_404_through_this_one(
    dispute: Dispute, buyer: User, staff: User, client_for: Clients
) -> None:
    other = make_dispute(staff=staff)
    foreign = _add(other.buyer, other.pk)
    for user in (buyer, staff):
        path = f"/api/disputes/{dispute.pk}/evidence/{foreign.pk}/file"
        assert_error(client_for(user).get(path), 404, "evidence_not_found")


def test_a_row_whose_file_is_gone_answers_404_json(
    dispute: Dispute, seller: User, client_for: Clients
) -> None:
    client = client_for(seller)
    response = upload(client, dispute.pk)
    assert response.status_code == 201, response.content
    evidence = Evidence.objects.get(pk=response.json()["id"])
    evidence.file.storage.delete(evidence.file.name)
    missing = client.get(response.json()["downloadUrl"])
    assert missing.status_code == 404
    assert missing["Content-Type"].startswith("application/json")
    assert missing.json()["code"] == "evidence_file_missing"
