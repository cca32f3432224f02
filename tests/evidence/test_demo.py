"""The demo seed puts files on its open disputes through the evidence service, once."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import override_settings

from disputes.demo import seed_demo
from disputes.models import EventType, Evidence

pytestmark = pytest.mark.django_db


@override_settings(DEBUG=True)
def test_seed_demo_adds_its_files_once() -> None:
    call_command("seed_demo", stdout=StringIO())
    files = [
        (e.dispute.order.item.title, e.uploader.username, e.file_name, e.content_type, e.visibility)
        for e in Evidence.objects.select_related("dispute__order__item", "uploader")
    ]
    assert files == [
        ("Wireless headphones", "buyer", "order-receipt.txt", "text/plain", "public"),
        ("Ceramic teapot", "buyer", "cracked-lid.png", "image/png", "public"),
        ("Ceramic teapot", "seller", "packing-note.txt", "text/plain", "public"),
        ("Ceramic teapot", "staff", "carrier-claim.txt", "text/plain", "internal"),
    ]
    photo = Evidence.objects.get(file_name="cracked-lid.png")
    with photo.file.open("rb") as stored:
        assert stored.read(8) == b"\x89PNG\r\n\x1a\n"
    assert photo.dispute.events.filter(
        type=EventType.EVIDENCE_ADDED, payload__evidence_id=photo.pk
    ).exists()

    assert seed_demo()["evidence"] == 4
    assert Evidence.objects.count() == 4
