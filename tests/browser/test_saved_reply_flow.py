"""Support staff answer with a saved reply in a real Chromium: add the template in the admin,
pick it on the dispute page, edit the filled-in text, post it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from accounts.services import support_group_ensure
from disputes.models import Message, SavedReply, Visibility
from tests.factories import PASSWORD, make_dispute, new_staff

pytestmark = pytest.mark.django_db(transaction=True)


def test_staff_answer_a_dispute_with_a_saved_reply(
    live_server: Any, page: Page, artifacts: Path
) -> None:
    base = live_server.url
    agent = new_staff(username="agent_sam", email="agent_sam@example.com")
    agent.groups.add(support_group_ensure())
    dispute = make_dispute()
    page.set_viewport_size({"width": 1280, "height": 900})

    page.goto(f"{base}/admin/login/?next=/admin/disputes/savedreply/add/")
    page.fill("#id_username", agent.email)
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{base}/admin/disputes/savedreply/add/")

    page.fill("#id_title", "Ask for tracking number")
    page.fill("#id_body", "Hello {seller}, please send the tracking number of {customer}.")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".errorlist")).to_contain_text("Unknown placeholder {customer}.")
    assert not SavedReply.objects.exists()
    page.fill("#id_body", "Hello {seller}, please send the tracking number of order {order}.")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator("#result_list")).to_contain_text("Ask for tracking number")
    page.screenshot(path=str(artifacts / "admin-saved-replies.png"), full_page=True)

    page.goto(f"{base}/admin/disputes/dispute/{dispute.pk}/change/")
    page.select_option("#id_saved_reply", label="Ask for tracking number")
    page.get_by_role("button", name="Use reply").click()
    filled = (
        f"Hello {dispute.seller.username}, please send the tracking number of order "
        f"#{dispute.order_id}."
    )
    expect(page.locator("#id_body")).to_have_value(filled)
    expect(page.get_by_label("Public: the buyer and the seller see it")).to_be_checked()
    page.screenshot(path=str(artifacts / "admin-saved-reply-filled.png"), full_page=True)

    page.fill("#id_body", filled + " Thanks!")
    page.locator("#message-form").get_by_role("button", name="Post").click()
    expect(page.locator(".messagelist")).to_contain_text("Message posted")
    expect(page.locator("#thread")).to_contain_text("Thanks!")

    message = Message.objects.get(dispute=dispute)
    assert (message.author_id, message.visibility, message.body) == (
        agent.pk,
        Visibility.PUBLIC,
        filled + " Thanks!",
    )
