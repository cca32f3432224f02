"""Evidence on a dispute (docs/design.md, Evidence): one service, append-only.

What is accepted is decided from the file's bytes, never from its name or the client's content
type. Images are decoded and re-encoded without their metadata (EXIF, GPS, comments), and the
stored bytes are what is hashed, measured and served.
"""

from __future__ import annotations

import hashlib
import io
import os
import unicodedata
import uuid
import warnings
from dataclasses import dataclass
from typing import IO, Any

import filetype
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from PIL import Image, ImageOps

from accounts.models import User
from disputes import integration_events, policies
from disputes.models import EventType, Evidence, EvidenceKind, Visibility
from disputes.policies import Action
from disputes.services.core import lock_dispute, log_event, notify_on_commit, parties
from disputes.storage import removed_unless_committed
from echo_disputes.errors import Conflict, InvalidInput, PayloadTooLarge, UnsupportedFile
from echo_disputes.i18n import interpolate_lazy

DESCRIPTION_MAX = 500
FILE_NAME_MAX = 150
# A decoded image larger than this is refused (a small file can decode to gigabytes).
IMAGE_MAX_PIXELS = 40_000_000

PDF, JPEG, PNG, WEBP, TEXT = (
    "application/pdf",
    "image/jpeg",
    "image/png",
    "image/webp",
    "text/plain",
)
ACCEPTED: dict[str, str] = {PDF: "pdf", JPEG: "jpg", PNG: "png", WEBP: "webp", TEXT: "txt"}
ACCEPTED_TEXT = gettext_lazy("PDF, JPEG, PNG, WebP or plain UTF-8 text")
EXTENSIONS: dict[str, tuple[str, ...]] = {
    PDF: (".pdf",),
    JPEG: (".jpg", ".jpeg"),
    PNG: (".png",),
    WEBP: (".webp",),
    TEXT: (".txt", ".text", ".log", ".csv", ".md"),
}
PILLOW_FORMATS = {JPEG: "JPEG", PNG: "PNG", WEBP: "WEBP"}
# Text that opens like markup is refused: an HTML or SVG page is not "plain text" evidence.
MARKUP_OPENINGS = (b"<",)
MARKUP_TAGS = (b"<html", b"<script", b"<svg", b"<!doctype", b"<?xml", b"<iframe", b"<body")
TEXT_CONTROLS_ALLOWED = {"\t", "\n", "\r", "\f"}


@dataclass(frozen=True)
class StoredFile:
    data: bytes
    content_type: str


def _refuse(reason: str) -> UnsupportedFile:
    return UnsupportedFile(
        _("%(reason)s Accepted: %(accepted)s.") % {"reason": reason, "accepted": ACCEPTED_TEXT},
        details={"file": [reason], "accepted": sorted(ACCEPTED)},
    )


def _is_plain_text(data: bytes) -> bool:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    if any(unicodedata.category(c) == "Cc" and c not in TEXT_CONTROLS_ALLOWED for c in text):
        return False
    head = data.lstrip(b"\xef\xbb\xbf \t\r\n\f").lower()
    return not head.startswith(MARKUP_OPENINGS) and not any(t in data.lower() for t in MARKUP_TAGS)


def _reencoded(data: bytes, content_type: str) -> bytes:
    """The image decoded in full and written again with no metadata; refused if it does not
    decode as the format its bytes announce (a truncated or disguised file)."""
    fmt = PILLOW_FORMATS[content_type]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=[fmt]) as image:
                if image.width * image.height > IMAGE_MAX_PIXELS:
                    raise _refuse(_("The image has too many pixels."))
                image.load()
                # The orientation lives in the EXIF we drop: apply it to the pixels first.
                clean = ImageOps.exif_transpose(image)
                if clean.mode not in ("1", "L", "RGB", "RGBA", "LA", "P", "CMYK", "I;16"):
                    clean = clean.convert("RGBA")
                if fmt == "JPEG" and clean.mode not in ("L", "RGB", "CMYK"):
                    clean = clean.convert("RGB")
                out = io.BytesIO()
                options: dict[str, Any] = {"quality": 90} if fmt in ("JPEG", "WEBP") else {}
                clean.save(out, format=fmt, **options)
                return out.getvalue()
    except UnsupportedFile:
        raise
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError, Warning):
        raise _refuse(_("The image is damaged or truncated.")) from None


def evidence_file_check(data: bytes) -> StoredFile:
    """The bytes to store for an upload, and their content type, or 415."""
    if not data:
        raise _refuse(_("The file is empty."))
    kind = filetype.guess(data[:8192])
    mime = kind.mime if kind is not None else None
    if mime is None:
        if _is_plain_text(data):
            return StoredFile(data=data, content_type=TEXT)
        raise _refuse(_("The file's contents are not of an accepted kind."))
    if mime in PILLOW_FORMATS:
        return StoredFile(data=_reencoded(data, mime), content_type=mime)
    if mime == PDF:
        if not data.startswith(b"%PDF-") or b"%%EOF" not in data[-2048:]:
            raise _refuse(_("The PDF is damaged or truncated."))
        return StoredFile(data=data, content_type=PDF)
    raise _refuse(_("Files of type %(mime)s are not accepted.") % {"mime": mime})


def evidence_file_name(name: str | None, content_type: str) -> str:
    """The uploader's name for the file, made safe to show and to offer as a download name: no
    folders, no control characters, at most FILE_NAME_MAX characters, and an extension that
    matches the stored contents."""
    base = unicodedata.normalize("NFC", (name or "").replace("\\", "/").rsplit("/", 1)[-1])
    base = "".join(c for c in base if unicodedata.category(c)[0] != "C").strip().lstrip(".")
    stem, ext = os.path.splitext(base)
    if ext.lower() not in EXTENSIONS[content_type]:
        stem, ext = base, EXTENSIONS[content_type][0]
    stem = (stem.strip() or "evidence")[: FILE_NAME_MAX - len(ext)]
    return stem + ext


def _read_bounded(upload: IO[bytes], max_bytes: int) -> bytes:
    data = upload.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise PayloadTooLarge(
            _("A file may be at most %(max_bytes)s bytes.") % {"max_bytes": max_bytes},
            details={"file": [_("At most %(max_bytes)s.") % {"max_bytes": max_bytes}]},
        )
    return data


def evidence_add(
    *,
    actor: User,
    dispute_id: int,
    upload: IO[bytes],
    file_name: str | None,
    kind: str = EvidenceKind.OTHER,
    description: str = "",
    visibility: str = Visibility.PUBLIC,
) -> Evidence:
    """Attach a file to an open dispute: the parties and staff may, internal evidence is
    staff-only, at most EVIDENCE_MAX_FILES per dispute. Nothing is half-written: the file is
    removed again if the transaction does not commit.

    The transaction is durable (always the outermost), so a rollback is always seen here."""
    with removed_unless_committed() as written, transaction.atomic(durable=True):
        dispute = lock_dispute(dispute_id)
        if visibility not in Visibility.values:
            raise InvalidInput(
                _("visibility must be public or internal."),
                details={"visibility": [_("Must be public or internal.")]},
            )
        if kind not in EvidenceKind.values:
            raise InvalidInput(
                _("kind is not a known kind of evidence."),
                details={
                    "kind": [_("One of: %(kinds)s.") % {"kinds": ", ".join(EvidenceKind.values)}]
                },
            )
        internal = visibility == Visibility.INTERNAL
        policies.require(
            actor, Action.ADD_INTERNAL_EVIDENCE if internal else Action.ADD_EVIDENCE, dispute
        )
        text = (description or "").strip()
        if len(text) > DESCRIPTION_MAX:
            raise InvalidInput(
                _("The description must be at most %(maximum)s characters.")
                % {"maximum": DESCRIPTION_MAX},
                details={
                    "description": [
                        _("At most %(maximum)s characters.") % {"maximum": DESCRIPTION_MAX}
                    ]
                },
            )
        if dispute.is_terminal:
            raise Conflict(
                _("The dispute is %(status)s; it takes no new evidence.")
                % {"status": dispute.status},
                code="dispute_closed",
            )
        limit = settings.EVIDENCE_MAX_FILES
        if Evidence.objects.filter(dispute_id=dispute.pk).count() >= limit:
            raise Conflict(
                _("A dispute holds at most %(limit)s files.") % {"limit": limit},
                code="evidence_limit_reached",
            )
        stored = evidence_file_check(_read_bounded(upload, settings.EVIDENCE_MAX_BYTES))
        now = timezone.now()
        evidence = Evidence(
            dispute=dispute,
            uploader=actor,
            kind=kind,
            description=text,
            file_name=evidence_file_name(file_name, stored.content_type),
            content_type=stored.content_type,
            size=len(stored.data),
            sha256=hashlib.sha256(stored.data).hexdigest(),
            visibility=visibility,
            created_at=now,
        )
        stored_name = f"{uuid.uuid4().hex}.{ACCEPTED[stored.content_type]}"
        evidence.file.save(stored_name, ContentFile(stored.data), save=False)
        written.append(evidence.file.name)
        evidence.save()
        log_event(
            dispute=dispute,
            actor=actor,
            type=EventType.INTERNAL_EVIDENCE_ADDED if internal else EventType.EVIDENCE_ADDED,
            payload={"evidence_id": evidence.pk},
            at=now,
        )
        if not internal:
            # Internal evidence, like a note, leaves no trace a party can see.
            dispute.updated_at = now
            dispute.last_activity_at = now
            dispute.save(update_fields=["updated_at", "last_activity_at"])
            integration_events.evidence_added(evidence, dispute)
            notify_on_commit(
                user_ids=parties(dispute, exclude=actor.pk),
                subject=interpolate_lazy(
                    gettext_lazy("New evidence on dispute #%(dispute_id)s"),
                    {"dispute_id": dispute.pk},
                ),
                body=interpolate_lazy(
                    gettext_lazy("%(name)s added a file: %(file_name)s"),
                    {"name": actor.username, "file_name": evidence.file_name},
                ),
            )
    return evidence
