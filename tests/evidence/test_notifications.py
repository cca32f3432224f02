"""The other party is told when evidence is added; internal evidence mails nobody."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import User
from disputes import services
from disputes.models import Dispute
from orders.models import Order
from tests.factories import make_dispute

pytestmark = pytest.mark.django_db


@pytest.fixture
def dispute(order: Order, staff: User) -> Dispute:
    return make_dispute(order=order, staff=staff)


def _add(actor: User, dispute: Dispute, visibility: str, capture: Any, run_tasks: Any) -> None:
    run_tasks()  # the set-up's own mails leave first
    mail.outbox.clear()
    with capture(execute=True):
        services.evidence_add(
            actor=actor,
            dispute_id=dispute.pk,
            upload=SimpleUploadedFile("r.txt", b"Courier receipt 42, handed over 3 March"),
            file_name="courier-receipt.txt",
            visibility=visibility,
        )
    run_tasks()


def test_public_evidence_mails_the_other_party_only(
    dispute: Dispute, django_capture_on_commit_callbacks: Any, run_tasks: Any
) -> None:
    _add(dispute.seller, dispute, "public", django_capture_on_commit_callbacks, run_tasks)
    assert [message.to for message in mail.outbox] == [[dispute.buyer.email]]
    assert mail.outbox[0].subject == f"New evidence on dispute #{dispute.pk}"
    assert "courier-receipt.txt" in mail.outbox[0].body


def test_internal_evidence_mails_nobody(
    dispute: Dispute, staff: User, django_capture_on_commit_callbacks: Any, run_tasks: Any
) -> None:
    _add(staff, dispute, "internal", django_capture_on_commit_callbacks, run_tasks)
    assert mail.outbox == []
