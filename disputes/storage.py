"""Where evidence files live: the `evidence` alias of Django's `STORAGES` (docs/design.md,
Evidence; docs/operations.md).

`Evidence.file` is bound to `evidence_storage`, which looks the alias up on every call instead of
once at import, so a deployment (or a test's settings override) that changes `STORAGES` is
obeyed. Nothing here builds a public URL: evidence is only ever served through the
permission-checked API view.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import IO, TYPE_CHECKING, Any

from django.core.files import File
from django.core.files.storage import Storage, storages
from django.http import FileResponse
from django.utils.translation import gettext as _

from echo_disputes.errors import NotFound

logger = logging.getLogger("disputes.evidence")

if TYPE_CHECKING:
    from disputes.models import Evidence

EVIDENCE_STORAGE = "evidence"
# Served files never run anything, whatever a browser makes of them.
FILE_CSP = "default-src 'none'; sandbox; frame-ancestors 'none'"


class EvidenceStorage(Storage):
    """Delegates each call to `storages["evidence"]` as configured now."""

    @property
    def backend(self) -> Storage:
        return storages[EVIDENCE_STORAGE]

    def open(self, name: str, mode: str = "rb") -> File[Any]:
        return self.backend.open(name, mode)

    def save(self, name: str | None, content: IO[Any], max_length: int | None = None) -> str:
        return self.backend.save(name, content, max_length=max_length)

    def get_valid_name(self, name: str) -> str:
        return self.backend.get_valid_name(name)

    def get_available_name(self, name: str, max_length: int | None = None) -> str:
        return self.backend.get_available_name(name, max_length=max_length)

    def generate_filename(self, filename: Any) -> str:
        return self.backend.generate_filename(filename)

    def path(self, name: str) -> str:
        return self.backend.path(name)

    def delete(self, name: str) -> None:
        self.backend.delete(name)

    def exists(self, name: str) -> bool:
        return self.backend.exists(name)

    def listdir(self, path: str) -> tuple[list[str], list[str]]:
        return self.backend.listdir(path)

    def size(self, name: str) -> int:
        return self.backend.size(name)

    def url(self, name: str | None) -> str:
        raise NotImplementedError("Evidence is served only through the API's file endpoint.")

    def get_modified_time(self, name: str) -> datetime:
        return self.backend.get_modified_time(name)


evidence_storage = EvidenceStorage()


@contextmanager
def removed_unless_committed() -> Iterator[list[str]]:
    """The rollback hook of evidence writes: the names appended to the yielded list are deleted
    from the evidence storage if the block raises, so a failed upload leaves no file.

    It wraps a durable (outermost) transaction, so an exception out of the block covers both a
    failure inside the transaction and a failed commit."""
    written: list[str] = []
    try:
        yield written
    except BaseException:
        for name in written:
            evidence_storage.delete(name)
        raise


def evidence_file_response(evidence: Evidence) -> FileResponse:
    """The stored bytes as a download, for whoever the caller has already allowed: an
    attachment under the cleaned name, never sniffed, never scripted, never kept by a shared
    cache. The API and the admin answer with this."""
    text = evidence.content_type == "text/plain"
    try:
        stored = evidence.file.open("rb")
    except Exception:
        if evidence.file.storage.exists(evidence.file.name):
            raise
        # The row outlived its file (restored database, lost bucket): say so, and tell operations.
        logger.error("evidence %s: stored file %s is missing", evidence.pk, evidence.file.name)
        raise NotFound(
            _("The file of this evidence is no longer stored."), code="evidence_file_missing"
        ) from None
    response = FileResponse(
        stored,
        as_attachment=True,
        filename=evidence.file_name,
        content_type="text/plain; charset=utf-8" if text else evidence.content_type,
    )
    response["Content-Length"] = str(evidence.size)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = FILE_CSP
    response["Cache-Control"] = "private, no-store"
    return response
