"""The demo's saved replies: written through the service, valid, and seeded once."""

from __future__ import annotations

import pytest

from disputes.demo import seed_saved_replies_demo
from disputes.models import SavedReply, Visibility
from disputes.replies import validate_template

pytestmark = pytest.mark.django_db


def test_the_demo_seeds_its_replies_once() -> None:
    assert seed_saved_replies_demo() == 4
    assert seed_saved_replies_demo() == 0
    replies = list(SavedReply.objects.values_list("title", "visibility", "created_by__email"))
    assert replies == [
        ("Ask for tracking number", Visibility.PUBLIC, "staff@example.com"),
        ("Escalate to payments", Visibility.INTERNAL, "staff@example.com"),
        ("Refund approved", Visibility.PUBLIC, "staff@example.com"),
        ("Waiting for the carrier", Visibility.PUBLIC, "staff@example.com"),
    ]
    for body in SavedReply.objects.values_list("body", flat=True):
        validate_template(body)
