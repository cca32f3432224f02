"""What a file may be (decided from its bytes), what is stored (images re-encoded without their
metadata), and that nothing is left behind when an upload fails."""

from __future__ import annotations

import hashlib
import io
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, PngImagePlugin
from rest_framework.test import APIClient

from accounts.models import User
from disputes import services
from disputes.models import Dispute, DisputeEvent, Evidence
from disputes.storage import evidence_storage, removed_unless_committed
from orders.models import Order
from tests.assertions import assert_error
from tests.evidence.conftest import PDF_BYTES, image_bytes, jpeg_with_gps, stored_files
from tests.evidence.helpers import served, upload
from tests.factories import make_dispute

pytestmark = pytest.mark.django_db
Clients = Callable[..., APIClient]
ACCEPTED = ["application/pdf", "image/jpeg", "image/png", "image/webp", "text/plain"]


@pytest.fixture
def dispute(order: Order, staff: User) -> Dispute:
    return make_dispute(order=order, staff=staff)


def _zip() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("receipt.pdf", PDF_BYTES)
    return out.getvalue()


def _gif() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (4, 4)).save(out, format="GIF")
    return out.getvalue()


REFUSED: dict[str, tuple[bytes, str, str]] = {
    "html named .png": (
        b"<!DOCTYPE html><html><script>alert(1)</script></html>",
        "photo.png",
        "image/png",
    ),
    "html without doctype": (b"  <b onmouseover=alert(1)>hi</b>", "notes.txt", "text/plain"),
    "script tag inside text": (b"Dear seller,\n<script>alert(1)</script>", "a.txt", "text/plain"),
    "svg": (
        b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        "photo.png",
        "image/svg+xml",
    ),
    "svg with an xml prolog": (
        b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>',
        "photo.svg",
        "image/png",
    ),
    "elf executable named .pdf": (
        b"\x7fELF\x02\x01\x01" + b"\x00" * 200,
        "invoice.pdf",
        "application/pdf",
    ),
    "windows executable named .pdf": (
        b"MZ\x90\x00\x03" + b"\x00" * 200,
        "invoice.pdf",
        "application/pdf",
    ),
    "zip": (_zip(), "receipts.zip", "application/zip"),
    "gif": (_gif(), "photo.gif", "image/gif"),
    "empty": (b"", "receipt.pdf", "application/pdf"),
    "truncated png": (image_bytes("PNG", (300, 300))[:200], "photo.png", "image/png"),
    "truncated jpeg": (image_bytes("JPEG", (300, 300))[:300], "photo.jpg", "image/jpeg"),
    "jpeg header then html": (
        b"\xff\xd8\xff\xe0" + b"<html><script>alert(1)</script>",
        "photo.jpg",
        "image/jpeg",
    ),
    "truncated pdf": (PDF_BYTES[:40], "receipt.pdf", "application/pdf"),
    "text with a NUL byte": (b"hello\x00world", "notes.txt", "text/plain"),
    "text that is not UTF-8": ("Reçu n° 4".encode("latin-1"), "notes.txt", "text/plain"),
}


@pytest.mark.parametrize("case", list(REFUSED))
def test_refused_file_is_415_with_the_accepted_list(
    case: str, dispute: Dispute, buyer: User, client_for: Clients, evidence_root: Path
) -> None:
    data, name, content_type = REFUSED[case]
    response = upload(client_for(buyer), dispute.pk, data, name=name, content_type=content_type)
    body = assert_error(response, 415, "unsupported_file_type")
    assert body["details"]["accepted"] == ACCEPTED
    assert "PDF, JPEG, PNG, WebP or plain UTF-8 text" in body["error"]
    assert not Evidence.objects.exists()
    assert not DisputeEvent.objects.filter(type="evidence_added").exists()
    assert stored_files(evidence_root) == []


ACCEPTED_FILES: dict[str, tuple[bytes, str, str, str]] = {
    # bytes, uploaded name (with a misleading client type), stored type, stored name
    "pdf": (PDF_BYTES, "Receipt.PDF", "application/pdf", "Receipt.PDF"),
    "jpeg": (image_bytes("JPEG"), "photo.jpeg", "image/jpeg", "photo.jpeg"),
    "png named .html": (image_bytes("PNG"), "photo.html", "image/png", "photo.html.png"),
    "webp": (image_bytes("WEBP"), "parcel.webp", "image/webp", "parcel.webp"),
    "utf-8 text": ("Reçu n° 4 — payé\n".encode(), "notes", "text/plain", "notes.txt"),
}


@pytest.mark.parametrize("case", list(ACCEPTED_FILES))
def test_accepted_kinds_are_typed_by_their_bytes(
    case: str, dispute: Dispute, buyer: User, client_for: Clients
) -> None:
    data, name, stored_type, stored_name = ACCEPTED_FILES[case]
    client = client_for(buyer)
    response = upload(client, dispute.pk, data, name=name, content_type="application/x-bogus")
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["contentType"], body["fileName"]) == (stored_type, stored_name)
    content = served(client.get(body["downloadUrl"]))
    assert len(content) == body["size"]
    assert hashlib.sha256(content).hexdigest() == body["sha256"]


def test_jpeg_gps_and_camera_metadata_are_stripped(
    dispute: Dispute, buyer: User, seller: User, client_for: Clients
) -> None:
    original = jpeg_with_gps()
    with Image.open(io.BytesIO(original)) as image:
        assert image.getexif()[0x010F] == "SpyCam"
        assert image.getexif().get_ifd(0x8825)  # GPS coordinates are there
    response = upload(client_for(buyer), dispute.pk, original, name="parcel.jpg")
    assert response.status_code == 201, response.content
    body = response.json()
    content = served(client_for(seller).get(body["downloadUrl"]))
    assert body["sha256"] == hashlib.sha256(content).hexdigest() != hashlib.sha256(original)
    assert b"SpyCam" not in content
    with Image.open(io.BytesIO(content)) as image:
        assert image.format == "JPEG" and image.size == (32, 24)
        assert dict(image.getexif()) == {}
        assert "exif" not in image.info


def test_png_text_chunks_are_stripped(dispute: Dispute, buyer: User, client_for: Clients) -> None:
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "Jane Doe, 12 Secret Street")
    original = image_bytes("PNG", pnginfo=info)
    assert b"Secret Street" in original
    client = client_for(buyer)
    body = upload(client, dispute.pk, original).json()
    content = served(client.get(body["downloadUrl"]))
    assert b"Secret Street" not in content
    with Image.open(io.BytesIO(content)) as image:
        assert image.format == "PNG" and "Author" not in image.info


def test_a_failure_after_the_file_is_written_leaves_no_file(
    dispute: Dispute, buyer: User, evidence_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def fail(**_: object) -> None:
        raise RuntimeError("the audit log is unavailable")

    # The event is appended after the file is stored and the row inserted.
    monkeypatch.setattr("disputes.services.evidence.log_event", fail)
    with pytest.raises(RuntimeError):
        services.evidence_add(
            actor=buyer,
            dispute_id=dispute.pk,
            upload=SimpleUploadedFile("a.txt", b"Tracking number 123"),
            file_name="a.txt",
        )
    assert not Evidence.objects.exists()
    assert stored_files(evidence_root) == []


def test_rollback_hook_removes_what_was_written(evidence_root: Path) -> None:
    with pytest.raises(ValueError), removed_unless_committed() as written:
        written.append(evidence_storage.save("disputes/1/x.txt", io.BytesIO(b"data")))
        assert len(stored_files(evidence_root)) == 1
        raise ValueError("rolled back")
    assert stored_files(evidence_root) == []


def test_committed_upload_keeps_its_file(
    dispute: Dispute, buyer: User, evidence_root: Path
) -> None:
    with removed_unless_committed() as written:
        written.append(evidence_storage.save("disputes/1/y.txt", io.BytesIO(b"data")))
    assert len(stored_files(evidence_root)) == 1
    evidence = services.evidence_add(
        actor=buyer,
        dispute_id=dispute.pk,
        upload=SimpleUploadedFile("a.txt", b"Tracking number 123"),
        file_name="a.txt",
    )
    assert evidence.file.name.startswith(f"disputes/{dispute.pk}/")
    assert len(stored_files(evidence_root)) == 2
