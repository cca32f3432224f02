"""Bulk actions on the queue: take up through the service, CSV export without notes unless asked."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.test import Client

from accounts.models import User
from disputes import services
from disputes.admin.export import CSV_HEADER, csv_cell
from disputes.models import Dispute, DisputeStatus, Visibility
from tests.factories import make_dispute, new_staff

pytestmark = pytest.mark.django_db
QUEUE = "/admin/disputes/dispute/"


def run(desk: Client, name: str, disputes: list[Dispute], **params: str) -> Any:
    data = {"action": name, "_selected_action": [str(d.pk) for d in disputes], **params}
    return desk.post(QUEUE + ("?state=all" if params.pop("all", None) else ""), data)


def flashed(response: Any) -> list[tuple[str, str]]:
    return [(m.level_tag, str(m)) for m in get_messages(response.wsgi_request)]


def rows(response: Any) -> list[dict[str, str]]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    body = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(body)))


def test_take_up_selected_reports_successes_and_refusals(desk: Client) -> None:
    waiting = [make_dispute(), make_dispute()]
    reviewing = make_dispute(state=DisputeStatus.UNDER_REVIEW)
    response = run(desk, "take_up_selected", [*waiting, reviewing])
    assert response.status_code == 302
    for dispute in waiting:
        dispute.refresh_from_db()
        assert dispute.status == DisputeStatus.UNDER_REVIEW
    messages = flashed(response)
    assert ("success", "Took up 2 of 3 disputes.") in messages
    level, text = messages[-1]
    assert level == "error" and text.startswith(f"Refused 1: #{reviewing.pk} (")


def test_model_permissions_do_not_narrow_what_support_staff_may_do(client_as: Any) -> None:
    viewer = new_staff()
    viewer.user_permissions.add(Permission.objects.get(codename="view_dispute"))
    make_dispute()
    actions = dict(client_as(viewer).get(QUEUE).context["action_form"].fields["action"].choices)
    assert "take_up_selected" in actions
    assert "export_csv" in actions


def test_csv_exports_one_row_per_public_message_without_notes(desk: Client, support: User) -> None:
    dispute = make_dispute()
    services.message_post(actor=dispute.buyer, dispute_id=dispute.pk, body="Public one.")
    services.message_post(
        actor=support, dispute_id=dispute.pk, body="Secret note.", visibility=Visibility.INTERNAL
    )
    services.message_post(actor=dispute.seller, dispute_id=dispute.pk, body="Public two.")
    silent = make_dispute()
    exported = rows(run(desk, "export_csv", [dispute, silent]))
    assert list(exported[0]) == list(CSV_HEADER)
    bodies = [(r["dispute_id"], r["message_body"]) for r in exported]
    assert bodies == [
        (str(dispute.pk), "Public one."),
        (str(dispute.pk), "Public two."),
        (str(silent.pk), ""),
    ]
    assert all(r["message_visibility"] != "internal" for r in exported)
    assert exported[0]["transaction_id"] == dispute.order.transaction_id
    assert exported[0]["buyer_email"] == dispute.buyer.email


def test_csv_with_notes_variant_includes_internal_notes(desk: Client, support: User) -> None:
    dispute = make_dispute()
    services.message_post(
        actor=support, dispute_id=dispute.pk, body="Secret note.", visibility=Visibility.INTERNAL
    )
    exported = rows(run(desk, "export_csv_with_notes", [dispute]))
    assert [(r["message_visibility"], r["message_body"]) for r in exported] == [
        ("internal", "Secret note.")
    ]


def test_csv_escapes_cells_a_spreadsheet_would_run_as_formulas(desk: Client) -> None:
    dispute = make_dispute(reason='=HYPERLINK("http://evil.example","click")')
    services.message_post(actor=dispute.buyer, dispute_id=dispute.pk, body="+1 555 0100")
    services.message_post(actor=dispute.buyer, dispute_id=dispute.pk, body="@SUM(A1:A9)")
    services.message_post(actor=dispute.buyer, dispute_id=dispute.pk, body="-2+3")
    exported = rows(run(desk, "export_csv", [dispute]))
    assert exported[0]["reason"].startswith("'=HYPERLINK")
    assert [r["message_body"] for r in exported] == ["'+1 555 0100", "'@SUM(A1:A9)", "'-2+3"]


@pytest.mark.parametrize(
    ("value", "expected"),
    [("=1+1", "'=1+1"), ("+x", "'+x"), ("-x", "'-x"), ("@x", "'@x"), ("\tx", "'\tx"),
     ("plain", "plain"), (None, ""), ("12.50", "12.50")],
)  # fmt: skip
def test_csv_cell(value: Any, expected: str) -> None:
    assert csv_cell(value) == expected
