"""A chargeback that supersedes a party dispute keeps that dispute's files within reach of the
support desk: the chargeback's admin page lists them (internal ones too), each downloadable
from the dispute it belongs to, in a query count constant in the number of files."""

from __future__ import annotations

import pytest
from django.conf import LazySettings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from disputes import services
from disputes.models import Dispute, DisputeKind, DisputeStatus, Evidence
from disputes.selectors.evidence import evidence_superseded_by
from orders.models import Order
from tests.evidence.helpers import served
from tests.factories import make_dispute, make_order
from tests.payments.helpers import event_doc, post_event

pytestmark = pytest.mark.django_db


def _add(actor: User, dispute: Dispute, name: str, visibility: str = "public") -> Evidence:
    return services.evidence_add(
        actor=actor,
        dispute_id=dispute.pk,
        upload=SimpleUploadedFile(name, f"Contents of {name}".encode()),
        file_name=name,
        visibility=visibility,
    )


def _chargeback(order: Order, dispute_id: str = "dp_1") -> Dispute:
    assert (
        post_event(
            event_doc(order, event_id=f"evt_{dispute_id}", dispute_id=dispute_id)
        ).status_code
        == 200
    )
    return Dispute.objects.get(order=order, kind=DisputeKind.CHARGEBACK)


def _desk(staff: User) -> Client:
    client = Client()
    client.force_login(staff)
    return client


def _page(dispute: Dispute) -> str:
    return f"/admin/disputes/dispute/{dispute.pk}/change/"


def test_chargeback_page_lists_the_superseded_disputes_files(
    order: Order, buyer: User, seller: User, staff: User
) -> None:
    party = make_dispute(order=order, staff=staff)
    receipt = _add(buyer, party, "receipt.txt")
    tracking = _add(seller, party, "tracking.txt")
    note = _add(staff, party, "risk.txt", "internal")
    elsewhere = make_dispute(staff=staff)
    _add(elsewhere.buyer, elsewhere, "other-order.txt")
    chargeback = _chargeback(order)
    party.refresh_from_db()
    assert party.status == DisputeStatus.CLOSED

    assert [e.pk for e in evidence_superseded_by(chargeback=chargeback)] == [
        receipt.pk,
        tracking.pk,
        note.pk,
    ]
    html = _desk(staff).get(_page(chargeback)).content.decode()
    assert "Evidence of superseded disputes" in html
    for evidence in (receipt, tracking, note):
        assert f'href="/admin/disputes/dispute/{party.pk}/evidence/{evidence.pk}/file/"' in html
    assert f'<a href="/admin/disputes/dispute/{party.pk}/change/">Dispute #{party.pk}</a>' in html
    assert "other-order.txt" not in html
    assert html.count("internal (staff only)") == 1


def test_a_superseded_file_downloads_from_its_own_dispute(
    order: Order, buyer: User, staff: User
) -> None:
    party = make_dispute(order=order, staff=staff)
    receipt = _add(buyer, party, "receipt.txt")
    _chargeback(order)
    response = _desk(staff).get(f"/admin/disputes/dispute/{party.pk}/evidence/{receipt.pk}/file/")
    assert response.status_code == 200 and served(response) == b"Contents of receipt.txt"


def test_a_dispute_the_chargeback_did_not_close_is_not_listed(
    order: Order, buyer: User, staff: User
) -> None:
    decided = make_dispute(order=order, staff=staff)
    _add(buyer, decided, "receipt.txt")
    services.dispute_close(
        actor=staff, dispute_id=decided.pk, resolution="Settled.", outcome=None, refund_amount=None
    )
    chargeback = _chargeback(order)
    assert evidence_superseded_by(chargeback=chargeback) == []
    html = _desk(staff).get(_page(chargeback)).content.decode()
    assert "This chargeback superseded no dispute with files." in html


def test_a_party_dispute_page_has_no_superseded_section(
    order: Order, buyer: User, staff: User
) -> None:
    party = make_dispute(order=order, staff=staff)
    _add(buyer, party, "receipt.txt")
    assert evidence_superseded_by(chargeback=party) == []
    assert "Evidence of superseded disputes" not in _desk(staff).get(_page(party)).content.decode()


def test_another_chargebacks_takeover_is_not_this_ones(
    buyer: User, seller: User, staff: User
) -> None:
    first, second = make_order(buyer=buyer, seller=seller), make_order(buyer=buyer, seller=seller)
    party = make_dispute(order=first, staff=staff)
    _add(buyer, party, "receipt.txt")
    _chargeback(first, "dp_1")
    other = _chargeback(second, "dp_2")
    assert evidence_superseded_by(chargeback=other) == []


def test_chargeback_page_query_count_is_the_same_for_1_and_20_superseded_files(
    buyer: User, seller: User, staff: User, settings: LazySettings
) -> None:
    settings.EVIDENCE_MAX_FILES = 40
    client = _desk(staff)

    def chargeback_with(files: int, provider_id: str) -> Dispute:
        order = make_order(buyer=buyer, seller=seller)
        party = make_dispute(order=order, staff=staff)
        for i in range(files):
            _add((buyer, seller, staff)[i % 3], party, f"file-{i}.txt")
        return _chargeback(order, provider_id)

    def count(chargeback: Dispute) -> int:
        client.get(_page(chargeback))  # session and content types warm
        with CaptureQueriesContext(connection) as queries:
            assert client.get(_page(chargeback)).status_code == 200
        return len(queries)

    one, twenty = chargeback_with(1, "dp_1"), chargeback_with(20, "dp_20")
    assert len(evidence_superseded_by(chargeback=twenty)) == 20
    assert count(one) == count(twenty)
