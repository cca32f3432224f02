"""What disputes adds to orders, through `orders.extensions` (the one place orders lets an app
above it take part in its rules and screens). `DisputesConfig.ready` calls `register`.

- completion guard: an order with an open dispute cannot be COMPLETED (409
  `order_has_open_dispute` from `PATCH /api/orders/{id}/status`);
- annotation `has_open_dispute`: the order lists' flag and `hasOpenDispute` in order JSON;
- annotation `has_dispute`: `hasDispute` in order JSON (any dispute, open or settled), which
  ECHO's order page reads;
- order page panel: the order's disputes and the "open a dispute" form (`disputes.views`);
- order admin inline: the order's disputes on its admin page (`disputes.admin.order_inline`).
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef
from django.utils.translation import gettext as _

from disputes import selectors
from disputes.admin.order_inline import DisputeInline
from disputes.models import Dispute
from disputes.views import order_disputes_panel
from echo_disputes.errors import Conflict
from orders import extensions
from orders.models import Order


def refuse_completion_while_disputed(order: Order) -> None:
    """An order with an open dispute cannot be completed until the dispute is settled."""
    if selectors.order_has_open_dispute(order_id=order.pk):
        raise Conflict(
            _("The order has an open dispute; it cannot be completed until it is settled."),
            code="order_has_open_dispute",
        )


def has_open_dispute() -> Exists:
    return Exists(Dispute.objects.open().filter(order_id=OuterRef("pk")))


def has_dispute() -> Exists:
    return Exists(Dispute.objects.filter(order_id=OuterRef("pk")))


def register() -> None:
    extensions.completion_guard_register(refuse_completion_while_disputed)
    extensions.order_annotation_register("has_open_dispute", has_open_dispute)
    extensions.order_annotation_register("has_dispute", has_dispute)
    extensions.order_page_panel_register(order_disputes_panel)
    extensions.order_admin_inline_register(DisputeInline)
