"""Support staff work a dispute from the admin in a real Chromium, end to end."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from accounts.models import User
from accounts.services import support_group_ensure
from disputes import services
from disputes.models import Dispute, DisputeStatus, Message, Visibility
from tests.factories import PASSWORD, make_dispute, new_staff

pytestmark = pytest.mark.django_db(transaction=True)


def support_agent(username: str) -> User:
    """A staff user in the Support group. An earlier transactional test's flush removes the group
    the data migration made; `support_group_ensure` (idempotent) makes it again."""
    agent = new_staff(username=username, email=f"{username}@example.com")
    agent.groups.add(support_group_ensure())
    return agent


def test_support_works_a_dispute_from_the_queue_to_its_resolution(
    live_server: Any, page: Page, artifacts: Path
) -> None:
    base = live_server.url
    agent = support_agent("agent_ada")
    dispute = make_dispute(reason="The parcel arrived empty and the seller does not answer.")
    services.message_post(actor=dispute.buyer, dispute_id=dispute.pk, body="Box was empty.")
    other = make_dispute()
    page.set_viewport_size({"width": 1280, "height": 900})

    page.goto(f"{base}/admin/login/?next=/admin/")
    page.fill("#id_username", agent.email)
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{base}/admin/")

    page.get_by_role("link", name="Dispute queue").click()
    expect(page.locator("#result_list")).to_be_visible()
    row = page.locator("#result_list tbody tr", has_text=dispute.buyer.username).first
    expect(row.locator(".echo-status-needs_response")).to_be_visible()
    expect(row).to_contain_text("left")
    page.screenshot(path=str(artifacts / "admin-queue.png"), full_page=True)

    page.get_by_role("link", name=str(dispute.pk), exact=True).click()
    expect(page.locator("#thread")).to_contain_text("Box was empty.")
    page.screenshot(path=str(artifacts / "admin-dispute.png"), full_page=True)

    page.fill("#id_body", "Carrier confirms the parcel was opened in transit.")
    page.get_by_label("Internal note: staff only").check()
    page.get_by_role("button", name="Post").click()
    expect(page.locator(".messagelist")).to_contain_text("Internal note added")
    note = page.locator("article.echo-note", has_text="opened in transit")
    expect(note).to_contain_text("Internal note — staff only")
    public = page.locator("article.echo-message", has_text="Box was empty.")
    expect(public).to_contain_text("Public message")
    page.screenshot(path=str(artifacts / "admin-dispute-note.png"), full_page=True)

    page.select_option("#id_outcome", "lost")
    page.fill("#id_refund_amount", "40.00")
    page.fill("#id_resolution", "Refund for the empty parcel.")
    page.get_by_role("button", name="Record resolution").click()
    expect(page.locator(".messagelist")).to_contain_text("recorded as Lost")
    expect(page.locator("#timeline")).to_contain_text("Refund for the empty parcel.")
    page.screenshot(path=str(artifacts / "admin-dispute-resolved.png"), full_page=True)

    page.get_by_role("link", name="Back to the queue").click()
    expect(page.locator("#result_list")).to_contain_text(other.buyer.username)
    expect(page.get_by_role("link", name=str(dispute.pk), exact=True)).to_have_count(0)
    page.screenshot(path=str(artifacts / "admin-queue-after.png"), full_page=True)

    dispute.refresh_from_db()
    assert dispute.status == DisputeStatus.LOST
    assert str(dispute.refund_amount) == "40.00"
    assert Message.objects.filter(
        dispute=dispute, visibility=Visibility.INTERNAL, author=agent
    ).exists()
    assert Dispute.objects.get(pk=other.pk).status == DisputeStatus.NEEDS_RESPONSE


def test_dashboard_in_the_browser(live_server: Any, page: Page, artifacts: Path) -> None:
    agent = support_agent("agent_bo")
    for _ in range(3):
        make_dispute()
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/admin/login/?next=/admin/disputes/dispute/dashboard/")
    page.fill("#id_username", agent.email)
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.locator("#opened-chart rect.echo-bar")).to_have_count(30)
    expect(page.locator("#open-total")).to_have_text("3")
    page.screenshot(path=str(artifacts / "admin-dashboard.png"), full_page=True)
