"""The parties settle alone in a real Chromium: the seller offers a refund on the thread page, the
buyer (on a phone, with JavaScript switched off) accepts it through the confirmation page, and
both see the dispute settled."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any, cast

import pytest
from playwright.sync_api import Browser, Page, expect

from accounts.models import User
from disputes.models import DisputeStatus, Offer, OfferStatus, Outcome
from tests.browser.test_pages_flow import (
    DESKTOP,
    PHONE,
    fail_on_dialog,
    log_in,
    no_horizontal_scroll,
)
from tests.factories import UserFactory, make_dispute, make_order

pytestmark = pytest.mark.django_db(transaction=True)


def test_seller_offers_buyer_accepts_and_both_see_it_settled(
    live_server: Any, page: Page, browser: Browser, artifacts: Path
) -> None:
    base = live_server.url
    buyer = cast(User, UserFactory(username="olive_buyer"))
    seller = cast(User, UserFactory(username="oscar_seller"))
    dispute = make_dispute(order=make_order(buyer=buyer, seller=seller), amount=Decimal("80.00"))
    thread = f"/disputes/{dispute.pk}/"
    fail_on_dialog(page)
    page.set_viewport_size(DESKTOP)

    # The seller offers more than is in dispute first: the error is next to the amount.
    log_in(page, base, seller, thread)
    offers = page.get_by_role("region", name="Offers")
    amount = offers.get_by_label("Refund you offer (EUR)")
    amount.fill("80.01")
    offers.get_by_label("Note to the other party").fill("Keep the item, I refund half.")
    offers.get_by_role("button", name="Make the offer").click()
    amount = page.get_by_label("Refund you offer (EUR)")
    expect(amount).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#id_offer-amount_error")).to_have_text("Error: At most 80.00.")
    expect(page.get_by_label("Note to the other party")).to_have_value(
        "Keep the item, I refund half."
    )
    assert not Offer.objects.exists()

    amount.fill("40.00")
    page.get_by_role("button", name="Make the offer").click()
    expect(page.get_by_role("status")).to_contain_text("You offered a refund of €40.00.")
    expect(page.get_by_role("heading", name="Open offer: €40.00 refund")).to_be_visible()
    expect(page.get_by_role("button", name="Withdraw my offer")).to_be_visible()
    expect(page.get_by_role("link", name="Accept…")).to_have_count(0)
    page.screenshot(path=str(artifacts / "offers-seller-desktop.png"), full_page=True)

    # The buyer, on a phone and without JavaScript, accepts it after the confirmation page.
    buyer_context = browser.new_context(viewport=PHONE, java_script_enabled=False)
    buyer_page = buyer_context.new_page()
    log_in(buyer_page, base, buyer, thread)
    no_horizontal_scroll(buyer_page)
    expect(buyer_page.get_by_role("heading", name="Open offer: €40.00 refund")).to_be_visible()
    expect(buyer_page.get_by_text("Keep the item, I refund half.").first).to_be_visible()
    expect(buyer_page.get_by_role("button", name="Withdraw my offer")).to_have_count(0)
    buyer_page.get_by_role("link", name="Accept…").click()
    expect(buyer_page.get_by_role("heading", level=1)).to_have_text(
        f"Accept €40.00 and settle dispute #{dispute.pk}?"
    )
    no_horizontal_scroll(buyer_page)
    buyer_page.screenshot(path=str(artifacts / "offers-confirm-phone.png"), full_page=True)
    # Nothing is settled until the buyer confirms.
    dispute.refresh_from_db()
    assert dispute.status == DisputeStatus.NEEDS_RESPONSE
    buyer_page.get_by_role("button", name="Yes, accept and settle").click()
    buyer_page.wait_for_url(f"{base}{thread}")
    expect(buyer_page.get_by_role("status")).to_contain_text(
        "You accepted the offer. The dispute is closed as settled"
    )
    resolution = buyer_page.get_by_role("region", name="Resolution")
    expect(resolution).to_contain_text("Settled between the parties")
    expect(resolution).to_contain_text("€40.00")
    no_horizontal_scroll(buyer_page)
    buyer_page.screenshot(path=str(artifacts / "offers-settled-phone.png"), full_page=True)
    buyer_context.close()

    dispute.refresh_from_db()
    assert (dispute.status, dispute.outcome, dispute.refund_amount) == (
        DisputeStatus.CLOSED,
        Outcome.SETTLED,
        Decimal("40.00"),
    )
    assert Offer.objects.get().status == OfferStatus.ACCEPTED

    # The seller reloads: settled, no more offer forms, and the list says so too.
    page.reload()
    resolution = page.get_by_role("region", name="Resolution")
    expect(resolution).to_contain_text("Settled between the parties")
    expect(page.get_by_label("Refund you offer (EUR)")).to_have_count(0)
    expect(page.get_by_role("button", name="Withdraw my offer")).to_have_count(0)
    expect(page.get_by_role("region", name="Timeline")).to_contain_text("Offer accepted")
    page.goto(f"{base}/disputes/")
    expect(page.get_by_text("Settled between the parties, refund €40.00")).to_be_visible()
