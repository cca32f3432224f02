"""The size limit holds while the upload streams (413 before the body is read, or as soon as the
file passes the limit), and the list's query count does not grow with the number of files."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

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
from tests.assertions import assert_error
from tests.evidence.conftest import stored_files
from tests.evidence.helpers import upload
from tests.factories import make_dispute

pytestmark = pytest.mark.django_db
Clients = Callable[..., APIClient]
BOUNDARY = "evidence-test-boundary"


@pytest.fixture
def dispute(order: Order, staff: User) -> Dispute:
    return make_dispute(order=order, staff=staff)


class StreamedBody:
    """A multipart body of one text file of `size` bytes, generated as it is read, counting what
    the server read."""

    def __init__(self, size: int) -> None:
        self.head = (
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; '
            f'filename="big.txt"\r\nContent-Type: text/plain\r\n\r\n'
        ).encode()
        self.tail = f"\r\n--{BOUNDARY}--\r\n".encode()
        self.size = size
        self.length = len(self.head) + size + len(self.tail)
        self.position = 0

    def read(self, n: int = -1) -> bytes:
        if n is None or n < 0:
            n = self.length - self.position
        out = bytearray()
        while n > 0 and self.position < self.length:
            p = self.position
            if p < len(self.head):
                piece = self.head[p : p + n]
            elif p < len(self.head) + self.size:
                piece = b"a" * min(n, len(self.head) + self.size - p)
            else:
                start = p - len(self.head) - self.size
                piece = self.tail[start : start + n]
            out += piece
            self.position += len(piece)
            n -= len(piece)
        return bytes(out)

    def readline(self, n: int = -1) -> bytes:
        return self.read(n)


def _post_streamed(client: APIClient, dispute_id: int, body: StreamedBody) -> Any:
    return client.request(
        REQUEST_METHOD="POST",
        PATH_INFO=f"/api/disputes/{dispute_id}/evidence",
        CONTENT_TYPE=f"multipart/form-data; boundary={BOUNDARY}",
        CONTENT_LENGTH=str(body.length),
        **{"wsgi.input": body},
    )


def test_a_body_declared_larger_than_the_limit_is_413_unread(
    dispute: Dispute, buyer: User, client_for: Clients, evidence_root: Path
) -> None:
    body = StreamedBody(200 * 1024 * 1024)  # 200 MiB, against the default 10 MiB
    response = _post_streamed(client_for(buyer), dispute.pk, body)
    assert assert_error(response, 413, "file_too_large")["details"]["file"]
    assert body.position == 0  # not a byte of it was read
    assert not Evidence.objects.exists() and stored_files(evidence_root) == []


def test_a_file_past_the_limit_is_stopped_while_it_streams(
    dispute: Dispute,
    buyer: User,
    client_for: Clients,
    evidence_root: Path,
    settings: LazySettings,
) -> None:
    settings.EVIDENCE_MAX_BYTES = 256 * 1024
    # Within the allowance for the form's other fields, so only the byte count can refuse it.
    body = StreamedBody(256 * 1024 + 60 * 1024)
    response = _post_streamed(client_for(buyer), dispute.pk, body)
    assert_error(response, 413, "file_too_large")
    assert not Evidence.objects.exists() and stored_files(evidence_root) == []


def test_a_file_at_the_limit_is_accepted_and_one_byte_more_is_not(
    dispute: Dispute, buyer: User, client_for: Clients, settings: LazySettings
) -> None:
    settings.EVIDENCE_MAX_BYTES = 64 * 1024
    client = client_for(buyer)
    at_limit = upload(client, dispute.pk, b"a" * (64 * 1024), name="log.txt")
    assert at_limit.status_code == 201, at_limit.content[:200]
    assert at_limit.json()["size"] == 64 * 1024
    assert_error(upload(client, dispute.pk, b"a" * (64 * 1024 + 1), name="log.txt"), 413)
    assert Evidence.objects.count() == 1


def test_the_service_refuses_an_oversized_file_from_any_caller(
    dispute: Dispute, buyer: User, settings: LazySettings, evidence_root: Path
) -> None:
    from echo_disputes.errors import PayloadTooLarge

    settings.EVIDENCE_MAX_BYTES = 1024
    with pytest.raises(PayloadTooLarge):
        services.evidence_add(
            actor=buyer,
            dispute_id=dispute.pk,
            upload=SimpleUploadedFile("a.txt", b"a" * 1025),
            file_name="a.txt",
        )
    assert stored_files(evidence_root) == []


def _count(client: APIClient, path: str) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    assert response.status_code == 200
    return len(queries), len(response.json())


@pytest.mark.parametrize("role", ["buyer", "staff"])
def test_list_query_count_is_the_same_for_1_and_20_files(
    role: str,
    dispute: Dispute,
    buyer: User,
    seller: User,
    staff: User,
    client_for: Clients,
    settings: LazySettings,
) -> None:
    settings.EVIDENCE_MAX_FILES = 40
    client = client_for({"buyer": buyer, "staff": staff}[role])
    path = f"/api/disputes/{dispute.pk}/evidence"

    def add(n: int) -> None:
        for i in range(n):
            # Several uploaders and both visibilities, so a per-row lookup would show.
            actor = (buyer, seller, staff)[i % 3]
            services.evidence_add(
                actor=actor,
                dispute_id=dispute.pk,
                upload=SimpleUploadedFile("a.txt", b"Tracking number 123"),
                file_name="a.txt",
                visibility="internal" if actor == staff and i % 2 else "public",
            )

    add(1)
    one, _ = _count(client, path)
    add(19)
    twenty, rows = _count(client, path)
    assert one == twenty
    assert rows == (20 if role == "staff" else Evidence.objects.filter(visibility="public").count())
