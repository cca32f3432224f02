"""The desk in Spanish, in a real Chromium whose language is Spanish (Accept-Language es-ES): a
buyer opens a dispute from the order page, a support agent assigns it to themselves and answers
with a saved reply, and the buyer reads the answer (issue 19, point 5)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, cast

import pytest
from playwright.sync_api import Browser, Page, expect

from accounts.models import User
from accounts.services import support_group_ensure
from disputes.models import Dispute, DisputeStatus, Message, SavedReply, Visibility
from tests.factories import PASSWORD, UserFactory, make_order, new_staff

pytestmark = pytest.mark.django_db(transaction=True)

SPANISH = "es-ES"


@pytest.fixture
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    return {**browser_context_args, "locale": SPANISH}


def test_a_spanish_buyer_and_agent_work_a_dispute_with_a_saved_reply(
    live_server: Any, page: Page, browser: Browser, artifacts: Path
) -> None:
    base = live_server.url
    buyer = cast(User, UserFactory(username="beatriz"))
    order = make_order(buyer=buyer)
    agent = new_staff(username="agente_ana", email="ana@example.com")
    agent.groups.add(support_group_ensure())
    reply = SavedReply.objects.create(
        title="Pedir el número de seguimiento",
        body="Hola {buyer}: hemos pedido a {seller} el número de seguimiento del pedido {order}.",
        visibility=Visibility.PUBLIC,
    )
    page.set_viewport_size({"width": 1280, "height": 900})

    # The buyer opens the order page; the login page on the way is Spanish.
    page.goto(f"{base}/orders/{order.pk}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Iniciar sesión")
    expect(page.locator("html")).to_have_attribute("lang", "es")
    page.get_by_label("Correo electrónico").fill(buyer.email)
    page.get_by_label("Contraseña").fill(PASSWORD)
    page.get_by_role("button", name="Iniciar sesión").click()
    page.wait_for_url(f"{base}/orders/{order.pk}/")

    page.get_by_label("Qué salió mal").select_option("product_not_received")
    page.get_by_label("Describa el problema").fill("El paquete no llegó; el seguimiento no avanza.")
    page.get_by_label("Importe en disputa").fill("60.00")
    page.get_by_role("button", name="Abrir una disputa").click()
    page.wait_for_url(re.compile(r"/disputes/\d+/$"))
    expect(page.get_by_role("status")).to_contain_text("Su disputa está abierta.")
    dispute = Dispute.objects.get(order=order)
    assert (dispute.status, dispute.assignee_id) == (DisputeStatus.NEEDS_RESPONSE, None)
    page.screenshot(path=str(artifacts / "es-buyer-opened.png"), full_page=True)

    # The agent, in a Spanish browser of their own, assigns it to themselves.
    desk = browser.new_context(locale=SPANISH, viewport={"width": 1280, "height": 900})
    staff_page = desk.new_page()
    change = f"/admin/disputes/dispute/{dispute.pk}/change/"
    staff_page.goto(f"{base}/admin/login/?next={change}")
    staff_page.fill("#id_username", agent.email)
    staff_page.fill("#id_password", PASSWORD)
    staff_page.get_by_role("button", name="Iniciar sesión").click()
    staff_page.wait_for_url(f"{base}{change}")
    staff_page.get_by_role("button", name="Asignármela").click()
    expect(staff_page.locator(".messagelist")).to_contain_text(
        f"La disputa n.º {dispute.pk} está asignada a agente_ana."
    )
    dispute.refresh_from_db()
    assert dispute.assignee_id == agent.pk

    # ... and answers with the saved reply, filled in for this dispute, edited, posted.
    staff_page.select_option("#id_saved_reply", label=reply.title)
    staff_page.get_by_role("button", name="Usar la respuesta").click()
    filled = (
        f"Hola beatriz: hemos pedido a {dispute.seller.username} el número de seguimiento "
        f"del pedido #{order.pk}."
    )
    expect(staff_page.locator("#id_body")).to_have_value(filled)
    expect(staff_page.get_by_label("Público: lo ven el comprador y el vendedor")).to_be_checked()
    answer = filled + " Le escribimos en cuanto lo tengamos."
    staff_page.fill("#id_body", answer)
    staff_page.locator("#message-form").get_by_role("button", name="Publicar").click()
    expect(staff_page.locator(".messagelist")).to_contain_text("Mensaje publicado")
    staff_page.screenshot(path=str(artifacts / "es-agent-answered.png"), full_page=True)
    desk.close()

    message = Message.objects.get(dispute=dispute, author=agent)
    assert (message.visibility, message.body) == (Visibility.PUBLIC, answer)

    # The buyer reads the answer on the Spanish thread page.
    page.reload()
    expect(page.get_by_role("region", name="Mensajes (1)")).to_contain_text(
        "Le escribimos en cuanto lo tengamos."
    )
    page.screenshot(path=str(artifacts / "es-buyer-answered.png"), full_page=True)
