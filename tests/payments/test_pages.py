from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from accounts.models import User
from disputes.models import Dispute
from tests.payments.helpers import event_doc, post_event

pytestmark = pytest.mark.django_db


def test_chargeback_shows_on_both_parties_pages(
    buyer: User, seller: User, stranger: User, order: Any
) -> None:
    post_event(event_doc(order))
    dispute = Dispute.objects.get()
    for party in (buyer, seller):
        client = Client()
        client.force_login(party)
        listing = client.get("/disputes/")
        assert listing.status_code == 200
        assert f"/disputes/{dispute.pk}/" in listing.content.decode()
        page = client.get(f"/disputes/{dispute.pk}/")
        assert page.status_code == 200
        assert "payment provider (chargeback)" in page.content.decode()
    outsider = Client()
    outsider.force_login(stranger)
    # Not a party: 404, so the page does not reveal that the dispute exists (docs/design.md §9).
    assert outsider.get(f"/disputes/{dispute.pk}/").status_code == 404
