"""The thread page's evidence: the list, the plain multipart form (no JavaScript) with its errors
next to the field, and the download, for the parties only (anyone else: 404, like the thread)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.conf import LazySettings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from disputes import services
from disputes.models import Dispute, DisputeStatus, Evidence
from orders.models import Order
from tests.evidence.conftest import PDF_BYTES, image_bytes, stored_files
from tests.evidence.helpers import served
from tests.factories import make_dispute

pytestmark = pytest.mark.django_db


def _client(user: User | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def dispute(order: Order, staff: User) -> Dispute:
    return make_dispute(order=order, staff=staff)


def _post(client: Client, dispute: Dispute, data: bytes, name: str = "r.pdf", **fields: str) -> Any:
    return client.post(
        f"/disputes/{dispute.pk}/evidence/",
        {"evidence-file": SimpleUploadedFile(name, data), "evidence-kind": "receipt", **fields},
    )


def test_party_adds_a_file_and_sees_it_listed(dispute: Dispute, buyer: User, seller: User) -> None:
    client = _client(buyer)
    page = client.get(f"/disputes/{dispute.pk}/").content.decode()
    assert 'enctype="multipart/form-data"' in page and "No files yet." in page
    response = _post(client, dispute, PDF_BYTES, **{"evidence-description": "The invoice"})
    evidence = Evidence.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/disputes/{dispute.pk}/#evidence-{evidence.pk}"
    html = _client(seller).get(f"/disputes/{dispute.pk}/").content.decode()
    assert f'id="evidence-{evidence.pk}"' in html and "r.pdf" in html and "The invoice" in html
    download = _client(seller).get(f"/disputes/{dispute.pk}/evidence/{evidence.pk}/file/")
    assert download.status_code == 200 and served(download) == PDF_BYTES
    assert download["Content-Disposition"] == 'attachment; filename="r.pdf"'
    assert download["X-Content-Type-Options"] == "nosniff"


def test_a_refused_file_is_an_error_next_to_the_field(
    dispute: Dispute, buyer: User, evidence_root: Path
) -> None:
    response = _post(_client(buyer), dispute, b"<html><script>x</script></html>", "x.png")
    assert response.status_code == 415
    html = response.content.decode()
    assert 'id="id_evidence-file_error"' in html and "not of an accepted kind" in html
    assert not Evidence.objects.exists() and stored_files(evidence_root) == []


def test_a_missing_file_is_an_error_next_to_the_field(dispute: Dispute, buyer: User) -> None:
    response = _client(buyer).post(f"/disputes/{dispute.pk}/evidence/", {"evidence-kind": "photo"})
    assert response.status_code == 400
    assert 'id="id_evidence-file_error"' in response.content.decode()


def test_a_file_too_large_is_413_next_to_the_field(
    dispute: Dispute, buyer: User, settings: LazySettings, evidence_root: Path
) -> None:
    settings.EVIDENCE_MAX_BYTES = 1024 * 1024
    response = _post(_client(buyer), dispute, b"a" * (1024 * 1024 + 1), "log.txt")
    assert response.status_code == 413
    html = response.content.decode()
    assert 'id="id_evidence-file_error"' in html and "larger than 1 MiB" in html
    assert stored_files(evidence_root) == []


def test_images_from_the_page_are_stripped_too(dispute: Dispute, buyer: User) -> None:
    from tests.evidence.conftest import jpeg_with_gps

    _post(_client(buyer), dispute, jpeg_with_gps(), "parcel.jpg")
    evidence = Evidence.objects.get()
    with evidence.file.open("rb") as stored:
        assert b"SpyCam" not in stored.read()


def test_a_decided_dispute_offers_no_form_and_refuses_a_post(
    order: Order, buyer: User, staff: User
) -> None:
    decided = make_dispute(order=order, state=DisputeStatus.WON, staff=staff)
    client = _client(buyer)
    assert "Add a file" not in client.get(f"/disputes/{decided.pk}/").content.decode()
    response = _post(client, decided, PDF_BYTES)
    assert response.status_code == 409
    assert not Evidence.objects.exists()


@pytest.mark.parametrize("who", ["stranger", "staff", "anonymous"])
def test_others_get_404_or_the_login(
    who: str, dispute: Dispute, buyer: User, stranger: User, staff: User
) -> None:
    evidence = services.evidence_add(
        actor=buyer,
        dispute_id=dispute.pk,
        upload=SimpleUploadedFile("a.txt", b"Tracking number 123"),
        file_name="a.txt",
    )
    client = _client({"stranger": stranger, "staff": staff, "anonymous": None}[who])
    expected = 302 if who == "anonymous" else 404
    assert _post(client, dispute, PDF_BYTES).status_code == expected
    url = f"/disputes/{dispute.pk}/evidence/{evidence.pk}/file/"
    assert client.get(url).status_code == expected
    assert Evidence.objects.count() == 1


def test_internal_evidence_is_not_on_the_page(dispute: Dispute, buyer: User, staff: User) -> None:
    internal = services.evidence_add(
        actor=staff,
        dispute_id=dispute.pk,
        upload=SimpleUploadedFile("a.txt", b"Risk check"),
        file_name="risk.txt",
        visibility="internal",
    )
    client = _client(buyer)
    assert "risk.txt" not in client.get(f"/disputes/{dispute.pk}/").content.decode()
    assert client.get(f"/disputes/{dispute.pk}/evidence/{internal.pk}/file/").status_code == 404


def test_thread_page_query_count_is_the_same_for_1_and_20_files(
    dispute: Dispute, buyer: User, seller: User, staff: User, settings: LazySettings
) -> None:
    settings.EVIDENCE_MAX_FILES = 40
    client = _client(buyer)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"/disputes/{dispute.pk}/").status_code == 200
        return len(queries)

    def add(actor: User) -> None:
        services.evidence_add(
            actor=actor,
            dispute_id=dispute.pk,
            upload=SimpleUploadedFile("p.png", image_bytes()),
            file_name="p.png",
        )

    add(buyer)
    one = count()
    for i in range(19):
        add((buyer, seller, staff)[i % 3])
    assert one == count()


def test_names_and_descriptions_are_shown_as_text(dispute: Dispute, buyer: User) -> None:
    client = _client(buyer)
    _post(
        client,
        dispute,
        PDF_BYTES,
        '<img src=x onerror="alert(1)">.pdf',
        **{"evidence-description": "<script>alert(2)</script>"},
    )
    html = client.get(f"/disputes/{dispute.pk}/").content.decode()
    assert "<script>alert(2)" not in html and "&lt;script&gt;alert(2)" in html
    assert "<img src=x" not in html and "&lt;img src=x" in html


def test_parties_timeline_never_shows_internal_evidence(
    dispute: Dispute, buyer: User, staff: User
) -> None:
    services.evidence_add(
        actor=staff,
        dispute_id=dispute.pk,
        upload=SimpleUploadedFile("a.txt", b"Risk check"),
        file_name="risk.txt",
        visibility="internal",
    )
    services.evidence_add(
        actor=buyer,
        dispute_id=dispute.pk,
        upload=SimpleUploadedFile("a.txt", b"Tracking number 123"),
        file_name="a.txt",
    )
    html = _client(buyer).get(f"/disputes/{dispute.pk}/").content.decode()
    assert "Evidence added" in html and "Internal evidence added" not in html


def _preview(client: Client, dispute: Dispute, evidence: Evidence) -> Any:
    return client.get(f"/disputes/{dispute.pk}/evidence/{evidence.pk}/preview/")


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "WEBP"])
def test_an_image_is_previewed_through_the_page_check(
    fmt: str, dispute: Dispute, buyer: User, seller: User
) -> None:
    _post(_client(buyer), dispute, image_bytes(fmt), f"parcel.{fmt.lower()}")
    evidence = Evidence.objects.get()
    html = _client(seller).get(f"/disputes/{dispute.pk}/").content.decode()
    src = f"/disputes/{dispute.pk}/evidence/{evidence.pk}/preview/"
    assert (
        f'<img class="evidence__preview" src="{src}" width="160" height="120" '
        f'alt="Preview of {evidence.file_name}"' in html
    )
    with evidence.file.open("rb") as stored:
        expected = stored.read()
    response = _preview(_client(seller), dispute, evidence)
    assert response.status_code == 200 and served(response) == expected
    assert response["Content-Type"] == evidence.content_type
    assert response["Content-Disposition"] == f'inline; filename="{evidence.file_name}"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private, no-store"


def test_a_file_that_is_no_image_has_no_preview(dispute: Dispute, buyer: User) -> None:
    client = _client(buyer)
    _post(client, dispute, PDF_BYTES)
    evidence = Evidence.objects.get()
    assert "evidence__preview" not in client.get(f"/disputes/{dispute.pk}/").content.decode()
    assert _preview(client, dispute, evidence).status_code == 404


@pytest.mark.parametrize("who", ["stranger", "staff", "anonymous"])
def test_others_get_no_preview(
    who: str, dispute: Dispute, buyer: User, stranger: User, staff: User
) -> None:
    evidence = services.evidence_add(
        actor=buyer,
        dispute_id=dispute.pk,
        upload=SimpleUploadedFile("p.png", image_bytes()),
        file_name="p.png",
    )
    client = _client({"stranger": stranger, "staff": staff, "anonymous": None}[who])
    assert _preview(client, dispute, evidence).status_code == (302 if who == "anonymous" else 404)


def test_an_internal_image_has_no_preview_for_a_party(
    dispute: Dispute, buyer: User, staff: User
) -> None:
    internal = services.evidence_add(
        actor=staff,
        dispute_id=dispute.pk,
        upload=SimpleUploadedFile("p.png", image_bytes()),
        file_name="risk.png",
        visibility="internal",
    )
    client = _client(buyer)
    assert "risk.png" not in client.get(f"/disputes/{dispute.pk}/").content.decode()
    assert _preview(client, dispute, internal).status_code == 404
