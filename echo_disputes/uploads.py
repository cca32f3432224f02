"""Uploads bounded while they stream, and the two refusals an upload can earn (413, 415).

`LimitedUploadHandler` goes first in a request's upload handlers (Django's documented
`FileUploadHandler` API): it refuses a body whose declared length is already too large before
reading any of it, and stops the upload (`StopUpload`) as soon as one file passes the limit, so an
oversized file is never held in memory or written to disk in full. The view asks `refused` after
parsing and answers 413.
"""

from __future__ import annotations

from typing import Any

from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http import HttpRequest, QueryDict
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext as _

from echo_disputes.errors import PayloadTooLarge

# Room for the form's other fields and the multipart headers beside the file itself.
FORM_OVERHEAD = 64 * 1024


class LimitedUploadHandler(FileUploadHandler):
    """Refuses any uploaded file longer than `max_bytes`, counting the bytes as they arrive."""

    def __init__(self, request: HttpRequest | None = None, *, max_bytes: int) -> None:
        super().__init__(request)
        self.max_bytes = max_bytes
        self.refused = False
        self._received = 0

    def handle_raw_input(
        self,
        input_data: Any,
        META: dict[str, Any],
        content_length: int,
        boundary: Any,
        encoding: str | None = None,
    ) -> tuple[QueryDict, MultiValueDict[str, Any]] | None:
        if content_length > self.max_bytes + FORM_OVERHEAD:
            # Declared too large: answer without reading the body at all.
            self.refused = True
            return QueryDict(), MultiValueDict()
        return None

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self._received = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self._received += len(raw_data)
        if self._received > self.max_bytes:
            self.refused = True
            # Django closes (and so deletes) what the later handlers wrote and reads no further.
            raise StopUpload(connection_reset=True)
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None


def limit_uploads(request: HttpRequest, *, max_bytes: int) -> LimitedUploadHandler:
    """Put a `LimitedUploadHandler` in front of the request's upload handlers (before its body is
    read) and return it, so the caller can ask `refused` once the body is parsed."""
    handler = LimitedUploadHandler(request, max_bytes=max_bytes)
    request.upload_handlers = [handler, *request.upload_handlers]
    return handler


def refuse_if_too_large(handler: LimitedUploadHandler) -> None:
    if handler.refused:
        megabytes = handler.max_bytes / (1024 * 1024)
        raise PayloadTooLarge(
            _("A file may be at most %(megabytes)s MiB (%(max_bytes)s bytes).")
            % {"megabytes": format(megabytes, "g"), "max_bytes": handler.max_bytes},
            details={
                "file": [_("At most %(max_bytes)s bytes.") % {"max_bytes": handler.max_bytes}]
            },
        )
