"""Who may do what to a dispute (docs/design.md §5), written once.

`can`/`require` answer for one object and are asked by the API permission classes, the pages,
the admin and, again, by every service. Where a query needs the same rule, the functions ending in
`_q` return it as a `Q` over disputes (or messages, events), so a list and a check never disagree.
Pure: nothing here runs a query beyond what the objects already hold.

Offers and escalation: `obj` is the Dispute for `PROPOSE_OFFER` and `ESCALATE`, and the Offer
(whose `.dispute` must be loaded, as the services do under their lock) for `ANSWER_OFFER` and
`WITHDRAW_OFFER`, since who may answer or withdraw depends on who proposed that offer. Only the
parties of a party dispute take part: staff (unless a party) decide instead, and a chargeback is
decided by the payment provider, so nobody settles or escalates one.
"""

from __future__ import annotations

from collections.abc import Collection
from enum import StrEnum
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from accounts.policies import READ_FINANCE, is_signed_in, is_support_staff
from disputes.models import INTERNAL_EVENT_TYPES, Dispute, DisputeKind, Offer, Visibility
from echo_disputes.errors import NotAllowed
from orders.models import Order


class Action(StrEnum):
    OPEN = "open"
    VIEW = "view"
    POST_MESSAGE = "post_message"
    POST_NOTE = "post_note"
    VIEW_NOTES = "view_notes"
    WITHDRAW = "withdraw"
    TAKE_UP = "take_up"
    DECIDE = "decide"
    ADD_EVIDENCE = "add_evidence"
    ADD_INTERNAL_EVIDENCE = "add_internal_evidence"
    PROPOSE_OFFER = "propose_offer"
    ANSWER_OFFER = "answer_offer"
    WITHDRAW_OFFER = "withdraw_offer"
    ESCALATE = "escalate"
    # Give a dispute an owner among the support staff, change or remove it.
    ASSIGN = "assign"


# The actions whose object is an Offer (the others take a Dispute, or an Order for OPEN).
OFFER_ACTIONS = frozenset({Action.ANSWER_OFFER, Action.WITHDRAW_OFFER})


def _party_q(user: Any) -> Q:
    return Q(buyer_id=user.pk) | Q(seller_id=user.pk)


def _settles(user: Any, dispute: Dispute) -> bool:
    """Who takes part in offers and escalation: a party of a party dispute."""
    return dispute.kind == DisputeKind.ORDER and dispute.is_party(user.pk)


def _can_offer(user: Any, action: Action, offer: Offer) -> bool:
    if not _settles(user, offer.dispute):
        return False
    if action is Action.ANSWER_OFFER:
        return offer.proposed_by_id != user.pk
    return offer.proposed_by_id == user.pk


def can(user: Any, action: Action, obj: Dispute | Order | Offer) -> bool:
    if not is_signed_in(user):
        return False
    if action is Action.OPEN:
        # Staff open disputes only on their own orders: staff decide, they do not complain.
        return isinstance(obj, Order) and obj.is_party(user.pk)
    if action in OFFER_ACTIONS:
        return isinstance(obj, Offer) and _can_offer(user, action, obj)
    if not isinstance(obj, Dispute):
        return False
    if action in (Action.VIEW, Action.POST_MESSAGE, Action.ADD_EVIDENCE):
        return obj.is_party(user.pk) or is_support_staff(user)
    if action in (
        Action.POST_NOTE,
        Action.VIEW_NOTES,
        Action.TAKE_UP,
        Action.DECIDE,
        Action.ADD_INTERNAL_EVIDENCE,
        Action.ASSIGN,
    ):
        return is_support_staff(user)
    if action is Action.WITHDRAW:
        return obj.opened_by_id is not None and obj.opened_by_id == user.pk
    if action in (Action.PROPOSE_OFFER, Action.ESCALATE):
        return _settles(user, obj)
    return False


MESSAGES: dict[Action, StrOrPromise] = {
    Action.OPEN: _("Only the buyer or the seller of this order may open a dispute on it."),
    Action.VIEW: _("Only the parties of this order and support staff may see this dispute."),
    Action.POST_MESSAGE: _("Only the parties of this order and support staff may post here."),
    Action.POST_NOTE: _("Only support staff may post internal notes."),
    Action.VIEW_NOTES: _("Only support staff may read internal notes."),
    Action.WITHDRAW: _("Only the user who opened this dispute may withdraw it."),
    Action.TAKE_UP: _("Only support staff may take up a dispute."),
    Action.DECIDE: _("Only support staff may decide or close a dispute."),
    Action.ADD_EVIDENCE: _("Only the parties of this order and support staff may add evidence."),
    Action.ADD_INTERNAL_EVIDENCE: _("Only support staff may add internal evidence."),
    Action.PROPOSE_OFFER: _("Only the buyer or the seller of a party dispute may make an offer."),
    Action.ANSWER_OFFER: _("Only the party who did not make this offer may accept or decline it."),
    Action.WITHDRAW_OFFER: _("Only the party who made this offer may withdraw it."),
    Action.ESCALATE: _("Only the buyer or the seller of a party dispute may escalate it to staff."),
    Action.ASSIGN: _("Only support staff may assign a dispute."),
}


def may_be_assignee(user: Any) -> bool:
    """Who may own a dispute: active support staff, the one definition (`is_support_staff`); an
    agent deactivated later keeps the disputes they hold until someone reassigns them."""
    return is_support_staff(user)


def answers_for_staff(user: Any, dispute: Dispute) -> bool:
    """Whether what the user posts on the dispute answers it as support staff (for the staff
    response target): staff acting as staff; a staff member who is a party of it is a party."""
    return is_support_staff(user) and not dispute.is_party(user.pk)


def require(user: Any, action: Action, obj: Dispute | Order | Offer) -> None:
    if not can(user, action, obj):
        raise NotAllowed(str(MESSAGES[action]), code="not_allowed")


# --- the same rules as query filters ---------------------------------------------------------

NOTHING = Q(pk__in=[])


def visible_disputes_q(user: Any) -> Q:
    """The disputes `can(user, VIEW, d)` allows: staff all, a party those on its orders."""
    if not is_signed_in(user):
        return NOTHING
    if is_support_staff(user):
        return Q()
    return _party_q(user)


def own_disputes_q(user: Any) -> Q:
    """The disputes where the user is buyer or seller, whoever the user is (staff included)."""
    if not is_signed_in(user):
        return NOTHING
    return _party_q(user)


def message_visibilities(user: Any) -> tuple[str, ...]:
    """Which messages and files of a dispute the user reads: internal ones only for staff."""
    if is_support_staff(user):
        return tuple(Visibility.values)
    return (Visibility.PUBLIC,)


def visible_messages_q(user: Any) -> Q:
    """`message_visibilities` as a filter on messages."""
    return Q(visibility__in=message_visibilities(user))


def visible_evidence_q(user: Any) -> Q:
    """Internal evidence only for staff, by the rule of internal notes (`message_visibilities`)."""
    return Q(visibility__in=message_visibilities(user))


def visible_events_q(user: Any) -> Q:
    """Events that reveal an internal note are staff-only, like the notes themselves."""
    if is_support_staff(user):
        return Q()
    return ~Q(type__in=INTERNAL_EVENT_TYPES)


def visible_outbound_events_q(user: Any) -> Q:
    """The outbound events (integrations.OutboundEvent: the feed) a user reads: those of the
    disputes `visible_disputes_q` shows, by the same rule on the event's own buyer_id and
    seller_id. An event never holds anything internal, so there is no second filter."""
    return visible_disputes_q(user)


# --- the finance API -------------------------------------------------------------------------


def finance_can_read(user: Any, scopes: Collection[str]) -> bool:
    """The finance API needs a token holding `read_finance` (only staff and store owners are
    issued it); which disputes it shows is `finance_disputes_q`."""
    return is_signed_in(user) and READ_FINANCE in scopes


def finance_require_read(user: Any, scopes: Collection[str]) -> None:
    if not finance_can_read(user, scopes):
        raise NotAllowed(
            _("This token does not hold the read_finance scope."), code="scope_missing"
        )


def finance_seller_id(user: Any) -> int | None:
    """Whose disputes the finance API shows a signed-in reader: None for every store's (staff),
    else those where the reader is the seller (the store they own)."""
    return None if is_support_staff(user) else user.pk


def finance_disputes_q(user: Any) -> Q:
    """`finance_seller_id` as a filter on disputes."""
    if not is_signed_in(user):
        return NOTHING
    seller = finance_seller_id(user)
    return Q() if seller is None else Q(seller_id=seller)


# --- saved replies ---------------------------------------------------------------------------


def can_manage_saved_replies(user: Any) -> bool:
    """Reply templates are the desk's own tool: support staff keep them, nobody else reads them."""
    return is_support_staff(user)


def saved_replies_require_manage(user: Any) -> None:
    if not can_manage_saved_replies(user):
        raise NotAllowed(_("Only support staff may keep saved replies."), code="not_allowed")
