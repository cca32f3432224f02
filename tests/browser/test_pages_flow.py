"""A buyer and a seller settle a dispute in a real Chromium, on desktop and on a phone."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, cast

import pytest
from playwright.sync_api import Browser, Dialog, Page, ViewportSize, expect

from accounts.models import User
from disputes.models import Dispute, DisputeStatus
from tests.factories import PASSWORD, UserFactory, make_order

pytestmark = pytest.mark.django_db(transaction=True)

DESKTOP: ViewportSize = {"width": 1280, "height": 800}
PHONE: ViewportSize = {"width": 375, "height": 812}


def fail_on_dialog(page: Page) -> None:
    def refuse(dialog: Dialog) -> None:
        message = dialog.message
        dialog.dismiss()
        pytest.fail(f"a script ran in the page and opened a dialog: {message!r}")

    page.on("dialog", refuse)


def log_in(page: Page, base: str, user: User, then: str) -> None:
    page.goto(f"{base}{then}")
    # Anonymous visitors land on the login page, which brings them back afterwards.
    expect(page.get_by_role("heading", level=1)).to_have_text("Log in")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{base}{then}")


def no_horizontal_scroll(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} scrolls sideways at 375 px ({width} px wide)"


def shoot(page: Page, artifacts: Path, name: str) -> None:
    sizes: tuple[tuple[str, ViewportSize], ...] = (("desktop", DESKTOP), ("phone", PHONE))
    for label, size in sizes:
        page.set_viewport_size(size)
        if label == "phone":
            no_horizontal_scroll(page)
        page.screenshot(path=str(artifacts / f"pages-{name}-{label}.png"), full_page=True)
    page.set_viewport_size(DESKTOP)


def test_buyer_and_seller_settle_a_dispute_in_the_browser(
    live_server: Any, page: Page, browser: Browser, artifacts: Path
) -> None:
    base = live_server.url
    buyer = cast(User, UserFactory(username="bea_buyer"))
    seller = cast(User, UserFactory(username="sam_seller"))
    order = make_order(buyer=buyer, seller=seller)
    fail_on_dialog(page)
    page.set_viewport_size(DESKTOP)

    # The buyer opens a dispute from the order page.
    log_in(page, base, buyer, f"/orders/{order.pk}/")
    page.get_by_label("What went wrong").select_option("product_not_received")
    page.get_by_label("Describe the problem").fill("The parcel never arrived; tracking is stuck.")
    page.get_by_label("Amount in dispute (EUR)").fill("60.00")
    page.get_by_role("button", name="Open a dispute").click()
    page.wait_for_url(re.compile(r"/disputes/\d+/$"))
    dispute = Dispute.objects.get(order=order)
    assert page.url == f"{base}/disputes/{dispute.pk}/"
    expect(page.get_by_role("status")).to_contain_text("Your dispute is open.")
    summary = page.get_by_role("region", name="Summary")
    expect(summary.get_by_text("needs_response", exact=True)).to_be_visible()
    assert dispute.amount == 60

    # The seller, in a browser of their own on a phone, replies; one line of it is a script.
    seller_context = browser.new_context(viewport=PHONE)
    seller_page = seller_context.new_page()
    fail_on_dialog(seller_page)
    log_in(seller_page, base, seller, f"/disputes/{dispute.pk}/")
    no_horizontal_scroll(seller_page)
    seller_page.get_by_label("Your message").fill("Sent on Monday, tracking attached.")
    seller_page.get_by_role("button", name="Send message").click()
    expect(seller_page.get_by_role("status")).to_contain_text("Your message was posted.")
    seller_page.get_by_label("Your message").fill("<script>alert(1)</script>")
    seller_page.get_by_role("button", name="Send message").click()
    expect(seller_page.get_by_text("<script>alert(1)</script>")).to_be_visible()
    seller_context.close()

    # The buyer reloads and sees the reply, the script as text, and the dispute under review.
    page.reload()
    expect(page.get_by_text("Sent on Monday, tracking attached.")).to_be_visible()
    expect(page.get_by_text("<script>alert(1)</script>")).to_be_visible()
    expect(summary.get_by_text("under_review", exact=True)).to_be_visible()
    expect(page.locator(".badge--under_review")).to_have_text("Under review")
    dispute.refresh_from_db()
    assert dispute.status == DisputeStatus.UNDER_REVIEW

    shoot(page, artifacts, "thread")
    page.goto(f"{base}/disputes/")
    expect(page.get_by_role("link", name=f"Dispute #{dispute.pk}")).to_be_visible()
    shoot(page, artifacts, "list")
    page.goto(f"{base}/orders/{order.pk}/")
    expect(page.get_by_role("link", name=f"go to dispute #{dispute.pk}")).to_be_visible()
    shoot(page, artifacts, "order")

    # The buyer, satisfied, withdraws: a confirmation step, then the dispute is closed.
    page.goto(f"{base}/disputes/{dispute.pk}/")
    page.get_by_role("link", name="Withdraw this dispute…").click()
    page.get_by_role("button", name="Yes, withdraw the dispute").click()
    expect(page.get_by_role("status")).to_contain_text("You withdrew the dispute.")
    expect(page.get_by_label("Your message")).to_have_count(0)
    dispute.refresh_from_db()
    assert dispute.status == DisputeStatus.CLOSED


def test_form_errors_and_keyboard_use_on_a_phone(
    live_server: Any, page: Page, artifacts: Path
) -> None:
    base = live_server.url
    buyer = cast(User, UserFactory(username="pat_phone"))
    order = make_order(buyer=buyer)
    fail_on_dialog(page)
    page.set_viewport_size(PHONE)

    log_in(page, base, buyer, f"/orders/{order.pk}/")
    no_horizontal_scroll(page)
    page.get_by_label("What went wrong").select_option("general")
    page.get_by_label("Describe the problem").fill("too short")
    page.get_by_role("button", name="Open a dispute").click()
    reason = page.get_by_label("Describe the problem")
    expect(reason).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#id_reason_error")).to_have_text("Error: At least 10 characters.")
    no_horizontal_scroll(page)
    page.screenshot(path=str(artifacts / "pages-order-error-phone.png"), full_page=True)
    assert not Dispute.objects.exists()

    # The first Tab reaches the skip link, which moves focus past the header.
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    expect(skip).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()


def test_login_page_on_a_phone(live_server: Any, page: Page, artifacts: Path) -> None:
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill("nobody@example.com")
    page.get_by_label("Password").fill("wrong")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_be_visible()
    no_horizontal_scroll(page)
    page.screenshot(path=str(artifacts / "pages-login-phone.png"), full_page=True)
