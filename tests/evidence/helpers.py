from __future__ import annotations

from typing import Any, cast

from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from tests.evidence.conftest import image_bytes

EVIDENCE_FIELDS = {
    "id",
    "disputeId",
    "userId",
    "username",
    "kind",
    "description",
    "fileName",
    "contentType",
    "size",
    "sha256",
    "visibility",
    "createdAt",
    "downloadUrl",
}


def upload(
    client: APIClient,
    dispute_id: int,
    data: bytes | None = None,
    *,
    name: str = "receipt.png",
    content_type: str = "image/png",
    **fields: Any,
) -> Any:
    body = {
        "file": SimpleUploadedFile(name, image_bytes() if data is None else data, content_type),
        **fields,
    }
    return client.post(f"/api/disputes/{dispute_id}/evidence", body, format="multipart")


def served(response: Any) -> bytes:
    """The body of a file download (a streaming response)."""
    return b"".join(cast(Any, response).streaming_content)
