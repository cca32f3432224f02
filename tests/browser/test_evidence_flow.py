"""A buyer adds a photo to a dispute with the thread page's plain form and sees its preview."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any, cast

import pytest
from PIL import Image
from playwright.sync_api import Page, expect

from accounts.models import User
from disputes.models import Evidence
from tests.browser.test_pages_flow import DESKTOP, fail_on_dialog, log_in
from tests.factories import UserFactory, make_dispute, make_order

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


def _photo(path: Path) -> Path:
    out = io.BytesIO()
    Image.new("RGB", (320, 200), (40, 120, 200)).save(out, format="JPEG")
    path.write_bytes(out.getvalue())
    return path


def test_buyer_uploads_a_photo_and_sees_its_preview(
    live_server: Any, page: Page, tmp_path: Path, artifacts: Path
) -> None:
    base = live_server.url
    buyer = cast(User, UserFactory(username="bea_buyer"))
    seller = cast(User, UserFactory(username="sam_seller"))
    dispute = make_dispute(order=make_order(buyer=buyer, seller=seller))
    fail_on_dialog(page)
    page.set_viewport_size(DESKTOP)

    log_in(page, base, buyer, f"/disputes/{dispute.pk}/")
    form = page.locator(f"form[action='/disputes/{dispute.pk}/evidence/']")
    form.get_by_label("What it shows").select_option("photo")
    form.get_by_label("Description").fill("The parcel as it arrived.")
    form.get_by_label("File").set_input_files(str(_photo(tmp_path / "parcel.jpg")))
    form.get_by_role("button", name="Add file").click()

    evidence = Evidence.objects.get(dispute=dispute)
    page.wait_for_url(f"{base}/disputes/{dispute.pk}/#evidence-{evidence.pk}")
    expect(page.get_by_role("status")).to_contain_text("parcel.jpg was added to the dispute.")
    preview = page.get_by_role("img", name="Preview of parcel.jpg")
    expect(preview).to_be_visible()
    preview.evaluate("img => img.decode()")
    assert preview.evaluate("img => [img.complete, img.naturalWidth, img.naturalHeight]") == [
        True,
        320,
        200,
    ]
    assert preview.get_attribute("src") == f"/disputes/{dispute.pk}/evidence/{evidence.pk}/preview/"
    page.locator(f"#evidence-{evidence.pk}").screenshot(
        path=str(artifacts / "evidence-preview.png")
    )
