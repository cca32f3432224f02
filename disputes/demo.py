"""Demo data for `make run`: accounts, a store, orders and disputes in every state.

Everything goes through the services, so the demo shows exactly what real use produces
(events, deadlines, notifications in the console).
"""

from __future__ import annotations

import io
from datetime import datetime, timedelta
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone
from PIL import Image, ImageDraw

from accounts.models import User
from accounts.services import support_group_ensure
from disputes import services
from disputes.models import (
    OPEN_STATUSES,
    Dispute,
    DisputeKind,
    DisputeStatus,
    Evidence,
    EvidenceKind,
    Offer,
    ReasonCode,
    SavedReply,
    Visibility,
)
from orders.models import Item, Order, OrderStatus
from orders.services import item_create, order_create, order_set_status

DEMO_PASSWORD = "echo-demo-2026"


def _user(email: str, username: str, *, staff: bool = False) -> User:
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        user = User.objects.create_user(
            email=email, username=username, password=DEMO_PASSWORD, is_staff=staff
        )
    return user


def demo_users() -> dict[str, User]:
    users = {
        "buyer": _user("buyer@example.com", "buyer"),
        "seller": _user("seller@example.com", "seller"),
        "staff": _user("staff@example.com", "staff", staff=True),
    }
    # The data migration made the group: the demo staff works the admin as support does.
    support_group_ensure().user_set.add(users["staff"])
    return users


def _items(seller: User) -> list[Item]:
    catalogue = [
        ("Vintage film camera", "A 1978 35 mm rangefinder, tested.", "120.00"),
        ("Hand-bound notebook", "A5, 120 pages of cotton paper.", "24.50"),
        ("Wireless headphones", "Over-ear, noise cancelling.", "89.99"),
        ("Ceramic teapot", "Stoneware, 1.2 litres.", "45.00"),
        ("Mechanical keyboard", "Tenkeyless, brown switches.", "139.00"),
        ("Wool scarf", "Merino, 180 cm.", "39.00"),
        ("Desk lamp", "LED, dimmable, warm white.", "59.00"),
        ("Board game", "Two to four players, 45 minutes.", "34.00"),
    ]
    items = []
    for title, description, price in catalogue:
        item = Item.objects.filter(store__owner=seller, title=title).first()
        items.append(
            item
            or item_create(
                creator=seller, title=title, description=description, base_price=Decimal(price)
            )
        )
    return items


def seed_demo() -> dict[str, int]:
    """Idempotent: a second run finds the demo orders and files and adds nothing. The files
    come after the rest has committed: each upload is its own durable transaction."""
    _seed_disputes()
    seed_offers_demo()
    seed_assignment_demo()
    seed_evidence_demo()
    seed_saved_replies_demo()
    return {
        "orders": Order.objects.count(),
        "disputes": Dispute.objects.count(),
        "evidence": Evidence.objects.count(),
        "offers": Offer.objects.count(),
        "saved_replies": SavedReply.objects.count(),
    }


@transaction.atomic
def _seed_disputes() -> None:
    users = demo_users()
    buyer, seller, staff = users["buyer"], users["seller"], users["staff"]
    items = _items(seller)
    if Order.objects.filter(buyer=buyer).exists():
        seed_payments_demo()
        return

    orders = [order_create(buyer=buyer, item_id=item.pk) for item in items]
    order_set_status(actor=seller, order_id=orders[0].pk, status=OrderStatus.IN_PROGRESS)
    order_set_status(actor=seller, order_id=orders[1].pk, status=OrderStatus.COMPLETED)
    order_set_status(actor=buyer, order_id=orders[7].pk, status=OrderStatus.CANCELLED)

    # needs_response: the buyer waits for the seller.
    services.dispute_open(
        actor=buyer,
        order_id=orders[2].pk,
        reason_code=ReasonCode.PRODUCT_NOT_RECEIVED,
        reason="The headphones never arrived; tracking stopped a week ago.",
    )
    # under_review: the seller answered, staff left an internal note.
    d = services.dispute_open(
        actor=buyer,
        order_id=orders[3].pk,
        reason_code=ReasonCode.PRODUCT_UNACCEPTABLE,
        reason="The teapot arrived with a cracked lid.",
    )
    services.message_post(
        actor=buyer, dispute_id=d.pk, body="Photos of the crack are attached to the order."
    )
    services.message_post(
        actor=seller,
        dispute_id=d.pk,
        body="Sorry about that. It was packed in bubble wrap; I can send a new lid.",
    )
    services.message_post(
        actor=staff,
        dispute_id=d.pk,
        visibility=Visibility.INTERNAL,
        body="Carrier has a damage claim open for this parcel.",
    )
    # won: decided for the seller.
    d = services.dispute_open(
        actor=buyer,
        order_id=orders[4].pk,
        reason_code=ReasonCode.GENERAL,
        reason="Keyboard switches are not the colour I expected.",
    )
    services.message_post(
        actor=seller,
        dispute_id=d.pk,
        body="The listing says brown switches, and these are brown switches.",
    )
    services.dispute_close(
        actor=staff, dispute_id=d.pk, outcome="won", resolution="The item matches its description."
    )
    # lost: decided for the buyer with a partial refund.
    d = services.dispute_open(
        actor=buyer,
        order_id=orders[5].pk,
        amount=Decimal("20.00"),
        reason_code=ReasonCode.PRODUCT_UNACCEPTABLE,
        reason="The scarf has a hole near one end.",
    )
    services.dispute_take_up(actor=staff, dispute_id=d.pk)
    services.dispute_close(
        actor=staff,
        dispute_id=d.pk,
        outcome="lost",
        refund_amount=Decimal("20.00"),
        resolution="Partial refund for the damaged scarf.",
    )
    # closed: withdrawn by the opener.
    d = services.dispute_open(
        actor=buyer,
        order_id=orders[6].pk,
        reason_code=ReasonCode.GENERAL,
        reason="The lamp flickers when dimmed to the lowest level.",
    )
    services.message_post(
        actor=buyer, dispute_id=d.pk, body="Never mind, it was the dimmer in my wall socket."
    )
    services.dispute_withdraw(actor=buyer, dispute_id=d.pk)
    # closed by staff without a winner, on the cancelled order.
    d = services.dispute_open(
        actor=buyer,
        order_id=orders[7].pk,
        reason_code=ReasonCode.CREDIT_NOT_PROCESSED,
        reason="I cancelled this order but have not been refunded yet.",
    )
    services.dispute_close(
        actor=staff, dispute_id=d.pk, resolution="The refund was processed by the payment provider."
    )
    # lost by expiry: the seller let the deadline pass.
    d = services.dispute_open(
        actor=buyer,
        order_id=orders[0].pk,
        reason_code=ReasonCode.DUPLICATE,
        reason="I was charged twice for this camera order.",
    )
    Dispute.objects.filter(pk=d.pk).update(respond_by=timezone.now() - timedelta(hours=1))
    services.disputes_expire()
    seed_payments_demo()


@transaction.atomic
def seed_offers_demo() -> int:
    """Disputes the parties work out alone, each on a new order: one with the seller's open offer
    (the buyer may accept or decline it), one settled (a declined offer, then an accepted one),
    and one escalated to staff after the seller declined the buyer's offer. Idempotent: nothing
    is added once the demo buyer has an offer. Returns how many disputes were added."""
    users = demo_users()
    buyer, seller = users["buyer"], users["seller"]
    if Offer.objects.filter(dispute__buyer=buyer).exists():
        return 0
    lamp, scarf, game = (_items(seller)[i] for i in (6, 5, 7))
    # An open offer awaiting the buyer.
    order = order_create(buyer=buyer, item_id=lamp.pk)
    d = services.dispute_open(
        actor=buyer,
        order_id=order.pk,
        reason_code=ReasonCode.PRODUCT_UNACCEPTABLE,
        reason="The lamp's shade arrived dented on one side.",
    )
    services.message_post(
        actor=seller, dispute_id=d.pk, body="Sorry! The lamp works; would part of the price do?"
    )
    services.offer_propose(
        actor=seller,
        dispute_id=d.pk,
        amount=Decimal("15.00"),
        note="15 EUR back for the dent, and you keep the lamp.",
    )
    # Settled: the buyer declines a first offer and accepts a better one.
    order = order_create(buyer=buyer, item_id=scarf.pk)
    d = services.dispute_open(
        actor=buyer,
        order_id=order.pk,
        reason_code=ReasonCode.PRODUCT_UNACCEPTABLE,
        reason="The scarf is a different colour from the photos.",
    )
    first = services.offer_propose(actor=seller, dispute_id=d.pk, amount=Decimal("5.00"))
    services.offer_decline(actor=buyer, dispute_id=d.pk, offer_id=first.pk)
    better = services.offer_propose(
        actor=seller, dispute_id=d.pk, amount=Decimal("12.00"), note="A third of the price back."
    )
    services.offer_accept(actor=buyer, dispute_id=d.pk, offer_id=better.pk)
    # Escalated: the seller declined the buyer's offer; the buyer asks staff to decide.
    order = order_create(buyer=buyer, item_id=game.pk)
    d = services.dispute_open(
        actor=buyer,
        order_id=order.pk,
        reason_code=ReasonCode.PRODUCT_UNACCEPTABLE,
        reason="Two of the game's pieces are missing from the box.",
    )
    offered = services.offer_propose(
        actor=buyer, dispute_id=d.pk, amount=Decimal("20.00"), note="Half back and I keep it."
    )
    services.offer_decline(actor=seller, dispute_id=d.pk, offer_id=offered.pk)
    services.dispute_escalate(
        actor=buyer,
        dispute_id=d.pk,
        reason="The seller will not refund anything for the missing pieces; please decide.",
    )
    return 3


@transaction.atomic
def seed_assignment_demo() -> int:
    """The desk split between two agents: the demo buyer's open dispute under review belongs to
    the demo staff user, the oldest one awaiting the seller to a second agent (agent@example.com),
    and the escalated one stays unassigned, waiting for staff. Idempotent: nothing is assigned once
    one of the buyer's open disputes has an assignee. Returns how many were assigned."""
    users = demo_users()
    staff = users["staff"]
    agent = _user("agent@example.com", "agent", staff=True)
    support_group_ensure().user_set.add(agent)
    mine = Dispute.objects.filter(buyer=users["buyer"], status__in=OPEN_STATUSES)
    if mine.filter(assignee__isnull=False).exists():
        return 0
    picks = [
        (mine.filter(status=DisputeStatus.UNDER_REVIEW).order_by("id").first(), staff),
        (
            mine.filter(status=DisputeStatus.NEEDS_RESPONSE, escalated_at__isnull=True)
            .order_by("id")
            .first(),
            agent,
        ),
    ]
    assigned = 0
    for dispute, owner in picks:
        if dispute is not None:
            services.dispute_assign(actor=staff, dispute_id=dispute.pk, assignee_id=owner.pk)
            assigned += 1
    return assigned


def demo_photo() -> bytes:
    """A small PNG drawn here (no binary file in the repository): a lid with a crack."""
    image = Image.new("RGB", (240, 160), (236, 230, 218))
    draw = ImageDraw.Draw(image)
    draw.ellipse((40, 30, 200, 130), fill=(120, 150, 170), outline=(60, 80, 95), width=4)
    draw.line((80, 45, 110, 80, 100, 100, 130, 122), fill=(30, 30, 30), width=3)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


DEMO_RECEIPT = (
    "ECHO Marketplace - receipt\n"
    "Item: Wireless headphones\n"
    "Paid: 89.99 EUR by card\n"
    "Shipped with tracked parcel; last scan at the sorting centre.\n"
)
DEMO_PACKING = (
    "Packing note\n"
    "Ceramic teapot, wrapped in two layers of bubble wrap, lid packed separately.\n"
    "Handed to the carrier at the counter; receipt number 4471-0032.\n"
)
DEMO_CLAIM = "Carrier damage claim opened; reference CLM-20931, photos requested.\n"


def seed_evidence_demo() -> int:
    """Files on the two open demo disputes, through the evidence service: the buyer's photo and
    receipt, the seller's packing note, and a staff-only claim note. A file already there (by
    its name, on its dispute) is not added again. Returns how many were added."""
    users = demo_users()
    buyer, seller, staff = users["buyer"], users["seller"], users["staff"]
    files = [
        ("Wireless headphones", buyer, "order-receipt.txt", EvidenceKind.RECEIPT,
         "The receipt for the headphones.", DEMO_RECEIPT.encode(), Visibility.PUBLIC),
        ("Ceramic teapot", buyer, "cracked-lid.png", EvidenceKind.PHOTO,
         "The lid as it came out of the box.", demo_photo(), Visibility.PUBLIC),
        ("Ceramic teapot", seller, "packing-note.txt", EvidenceKind.SHIPPING_PROOF,
         "How the teapot was packed.", DEMO_PACKING.encode(), Visibility.PUBLIC),
        ("Ceramic teapot", staff, "carrier-claim.txt", EvidenceKind.CORRESPONDENCE,
         "Carrier's claim reference.", DEMO_CLAIM.encode(), Visibility.INTERNAL),
    ]  # fmt: skip
    added = 0
    for title, actor, name, kind, description, data, visibility in files:
        dispute = Dispute.objects.filter(
            buyer=buyer, kind=DisputeKind.ORDER, order__item__title=title
        ).first()
        if dispute is None or not dispute.is_open:
            continue
        if Evidence.objects.filter(dispute=dispute, file_name=name).exists():
            continue
        services.evidence_add(
            actor=actor,
            dispute_id=dispute.pk,
            upload=SimpleUploadedFile(name, data),
            file_name=name,
            kind=kind,
            description=description,
            visibility=visibility,
        )
        added += 1
    return added


def _provider_event(
    order: Order, *, event_id: str, type: str, status: str, fee: str, created: datetime
) -> services.ChargebackEvent:
    """An event as the payment provider's webhook would deliver it for `order`."""
    provider_id = f"dp_demo_{order.pk}"
    data = {
        "dispute_id": provider_id,
        "transaction_id": order.transaction_id,
        "reason": "Fraudulent",
        "amount": str(order.final_price),
        "currency": order.currency,
        "fee": fee,
        "fee_currency": order.currency,
        "status": status,
        "expiration_time": int((created + timedelta(days=10)).timestamp()),
    }
    return services.ChargebackEvent(
        event_id=event_id,
        type=type,
        created=created,
        provider_dispute_id=provider_id,
        transaction_id=order.transaction_id,
        reason_code=ReasonCode.FRAUDULENT,
        amount=order.final_price,
        currency=order.currency,
        status=status,
        fee=Decimal(fee),
        fee_currency=order.currency,
        expiration_time=created + timedelta(days=10),
        payload={"id": event_id, "type": type, "created": int(created.timestamp()), "data": data},
    )


@transaction.atomic
def seed_payments_demo() -> int:
    """Chargebacks through the webhook's service: one awaiting the seller, one the provider
    decided for the buyer after an update. Idempotent: the provider's event ids are unique."""
    users = demo_users()
    buyer, seller = users["buyer"], users["seller"]
    if Dispute.objects.filter(kind=DisputeKind.CHARGEBACK, buyer=buyer).exists():
        return 0
    items = _items(seller)
    now = timezone.now().replace(microsecond=0)
    pending = order_create(buyer=buyer, item_id=items[4].pk, final_price=Decimal("129.00"))
    services.chargeback_apply(
        event=_provider_event(
            pending,
            event_id=f"evt_demo_{pending.pk}_1",
            type="dispute.created",
            status=DisputeStatus.NEEDS_RESPONSE,
            fee="15.00",
            created=now - timedelta(hours=2),
        )
    )
    decided = order_create(buyer=buyer, item_id=items[1].pk)
    for step, (type, status) in enumerate(
        [
            ("dispute.created", DisputeStatus.NEEDS_RESPONSE),
            ("dispute.updated", DisputeStatus.UNDER_REVIEW),
            ("dispute.closed", DisputeStatus.LOST),
        ]
    ):
        services.chargeback_apply(
            event=_provider_event(
                decided,
                event_id=f"evt_demo_{decided.pk}_{step + 1}",
                type=type,
                status=status,
                fee="20.00",
                created=now - timedelta(hours=3 - step),
            )
        )
    return 2


SAVED_REPLIES = (
    (
        "Ask for tracking number",
        Visibility.PUBLIC,
        "Hello {seller}, {buyer} reports a problem with order {order} ({item}). Please reply "
        "with the parcel's tracking number before {respond_by}.\n\n{agent}, ECHO support",
    ),
    (
        "Refund approved",
        Visibility.PUBLIC,
        "Hello {buyer}, we have decided dispute {dispute} in your favour: a refund of {amount} "
        "for order {order} is on its way.\n\n{agent}, ECHO support",
    ),
    (
        "Waiting for the carrier",
        Visibility.PUBLIC,
        "Hello {buyer} and {seller}, we have asked the carrier about order {order} and will "
        "write again here as soon as they answer.",
    ),
    (
        "Escalate to payments",
        Visibility.INTERNAL,
        "Payments team: dispute {dispute} on order {order}, {amount} ({reason}). Please check "
        "the charge with the provider before we decide.",
    ),
)


def seed_saved_replies_demo() -> int:
    """The desk's reply templates (docs/admin.md, Saved replies), written by the demo staff
    through the service; a title already there (in any case) is left as it is."""
    staff = demo_users()["staff"]
    added = 0
    for title, visibility, body in SAVED_REPLIES:
        if SavedReply.objects.filter(title__iexact=title).exists():
            continue
        reply = SavedReply(title=title, body=body, visibility=visibility)
        services.saved_reply_save(actor=staff, reply=reply)
        added += 1
    return added
