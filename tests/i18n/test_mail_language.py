"""Each recipient reads a mail in their language (User.language; blank: LANGUAGE_CODE), whoever
caused it and whatever language that request was in: a mail sent at once is written per
language, a batched notification is written when it is queued, the digest in the worker."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import translation

from accounts.models import User
from accounts.services import user_language_set
from disputes import services
from disputes.models import Dispute
from tests.factories import make_dispute, make_order, new_staff, new_user
from tests.tasks.helpers import FLUSH, make_due, queued, sent_to

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk() -> User:
    return new_staff(language="es")


@pytest.fixture
def dispute(desk: User, run_tasks: Callable[[], None]) -> Dispute:
    """A Spanish-speaking buyer, an English-speaking seller (blank language: the default)."""
    order = make_order(buyer=new_user(language="es"), seller=new_user(language=""))
    dispute = make_dispute(order=order, staff=desk)
    run_tasks()  # the opening's mail
    mail.outbox.clear()
    return dispute


def test_the_opening_mail_is_in_the_respondents_language(run_tasks: Callable[[], None]) -> None:
    order = make_order(buyer=new_user(language="en"), seller=new_user(language="es"))
    # The buyer's request was in English; the seller reads Spanish.
    with translation.override("en"):
        dispute = services.dispute_open(
            actor=order.buyer, order_id=order.pk, reason="The lamp arrived broken in two."
        )
    run_tasks()
    (sent,) = sent_to(order.seller.email)
    assert sent.subject == f"Se abrió una disputa en el pedido n.º {order.pk}"
    assert sent.body == (
        f"{order.buyer.username} abrió la disputa n.º {dispute.pk}: The lamp arrived broken in "
        f"two.\nResponda antes del {dispute.respond_by:%Y-%m-%d %H:%M} UTC."
    )


def test_one_decision_reaches_each_party_in_their_own_language(
    dispute: Dispute, desk: User, run_tasks: Callable[[], None]
) -> None:
    # Staff work in Spanish; the English seller still reads English.
    with translation.override("es"):
        services.dispute_close(
            actor=desk, dispute_id=dispute.pk, resolution="Refund approved.", outcome="lost"
        )
    run_tasks()
    (to_buyer,) = sent_to(dispute.buyer.email)
    (to_seller,) = sent_to(dispute.seller.email)
    assert (to_buyer.subject, to_buyer.body) == (
        f"La disputa n.º {dispute.pk} se decidió: Perdida (a favor del comprador)",
        "Resolución: Refund approved.",
    )
    assert (to_seller.subject, to_seller.body) == (
        f"Dispute #{dispute.pk} was decided: Lost (for the buyer)",
        "Resolution: Refund approved.",
    )
    # One mail per language, not one per recipient list.
    assert len(mail.outbox) == 2


def test_batched_notifications_and_the_digest_in_each_partys_language(
    dispute: Dispute, desk: User, run_tasks: Callable[[], None]
) -> None:
    with translation.override("en"):
        services.message_post(actor=desk, dispute_id=dispute.pk, body="We are looking into it.")
    run_tasks()
    # The first of a quiet window leaves at once, as written, in each party's language.
    (first_es,) = sent_to(dispute.buyer.email)
    (first_en,) = sent_to(dispute.seller.email)
    assert (first_es.subject, first_es.body) == (
        f"Nuevo mensaje en la disputa n.º {dispute.pk}",
        f"{desk.username} escribió:\n\nWe are looking into it.",
    )
    assert (first_en.subject, first_en.body) == (
        f"New message on dispute #{dispute.pk}",
        f"{desk.username} wrote:\n\nWe are looking into it.",
    )
    # Two more within the window: one digest each when it ends, composed by the worker.
    with translation.override("es"):
        services.message_post(actor=desk, dispute_id=dispute.pk, body="Photos, please.")
        services.message_post(actor=desk, dispute_id=dispute.pk, body="Thank you.")
    run_tasks()
    make_due(queued(FLUSH))
    run_tasks()
    digest_es = sent_to(dispute.buyer.email)[1]
    digest_en = sent_to(dispute.seller.email)[1]
    assert digest_es.subject == f"2 novedades en la disputa n.º {dispute.pk}"
    assert digest_es.body == (
        f"Esto es lo que llegó en la disputa n.º {dispute.pk}:\n\n"
        f"Nuevo mensaje en la disputa n.º {dispute.pk}\n\n{desk.username} escribió:\n\n"
        "Photos, please.\n\n----\n\n"
        f"Nuevo mensaje en la disputa n.º {dispute.pk}\n\n{desk.username} escribió:\n\n"
        "Thank you."
    )
    assert digest_en.subject == f"2 updates on dispute #{dispute.pk}"
    assert digest_en.body.startswith(f"Here is what arrived on dispute #{dispute.pk}:\n\n")
    assert f"{desk.username} wrote:\n\nThank you." in digest_en.body


def test_a_language_saved_later_applies_to_the_next_mail(
    dispute: Dispute, desk: User, run_tasks: Callable[[], None]
) -> None:
    user_language_set(user=dispute.seller, language="es")
    services.dispute_withdraw(actor=dispute.buyer, dispute_id=dispute.pk)
    run_tasks()
    (sent,) = sent_to(dispute.seller.email)
    assert (sent.subject, sent.body) == (
        f"La disputa n.º {dispute.pk} fue retirada",
        f"{dispute.buyer.username} retiró la disputa.",
    )


def test_a_settlement_mail_in_each_language_and_the_record_in_english(
    dispute: Dispute, run_tasks: Callable[[], None]
) -> None:
    offer = services.offer_propose(actor=dispute.seller, dispute_id=dispute.pk, amount=Decimal("5"))
    run_tasks()
    mail.outbox.clear()
    with translation.override("es"):
        services.offer_accept(actor=dispute.buyer, dispute_id=dispute.pk, offer_id=offer.pk)
    run_tasks()
    (to_buyer,) = sent_to(dispute.buyer.email)
    (to_seller,) = sent_to(dispute.seller.email)
    amount = f"{dispute.amount} {dispute.currency}"
    assert to_buyer.subject == f"La disputa n.º {dispute.pk} se resolvió por acuerdo"
    assert to_buyer.body == (
        f"Acordada entre las partes: se reembolsan al comprador 5.00 {dispute.currency} de los "
        f"{amount} en disputa, según la oferta de {dispute.seller.username} aceptada por "
        f"{dispute.buyer.username}."
    )
    english = (
        f"Settled between the parties: the buyer is refunded 5.00 {dispute.currency} of the "
        f"{amount} disputed, as offered by {dispute.seller.username} and accepted by "
        f"{dispute.buyer.username}."
    )
    assert to_seller.body == english
    dispute.refresh_from_db()
    assert dispute.resolution == english
