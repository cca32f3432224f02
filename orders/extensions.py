"""The one extension point of orders: how the apps built on orders add to its rules and screens.

Imports flow one way (accounts <- orders <- disputes), so orders never imports disputes, yet some
order behaviour belongs to disputes: an order with an open dispute cannot be completed, order
lists say whether a dispute is open, the order page offers to open one, and the order admin lists
an order's disputes. Such an app registers its contributions here from its `AppConfig.ready()`
(see `disputes/apps.py`); orders runs whatever is registered and knows nothing else of it.

- `completion_guard_register(guard)`: `guard(order)` runs inside `order_set_status`, with the
  order locked, before an order becomes COMPLETED. It returns None to allow the move or raises a
  `DomainError` (a `Conflict` for a refused move) with its own code, which the API returns as is.
- `order_annotation_register(name, expression)`: `expression()` builds a query expression that
  every order selector annotates as `name` (e.g. `has_open_dispute`), so lists read it in the
  same query as the orders.
- `order_page_panel_register(panel)`: `panel(request, order)` returns HTML (e.g. the order's
  disputes and the "open a dispute" form) that the order page shows below the order's details.
- `order_admin_inline_register(inline)`: an `InlineModelAdmin` class the order admin page shows.

Registering the same thing twice keeps one copy, so a repeated `ready()` changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.safestring import SafeString

from orders.models import Order

CompletionGuard = Callable[[Order], None]
AnnotationFactory = Callable[[], Any]
OrderPagePanel = Callable[[HttpRequest, Order], SafeString]

_completion_guards: list[CompletionGuard] = []
_annotations: dict[str, AnnotationFactory] = {}
_page_panels: list[OrderPagePanel] = []
_admin_inlines: list[type[Any]] = []


def completion_guard_register(guard: CompletionGuard) -> None:
    if guard not in _completion_guards:
        _completion_guards.append(guard)


def completion_guards_check(order: Order) -> None:
    """Raise the first refusal of a registered guard; return when every guard allows."""
    for guard in _completion_guards:
        guard(order)


def order_annotation_register(name: str, expression: AnnotationFactory) -> None:
    _annotations[name] = expression


def orders_annotate(qs: QuerySet[Order]) -> QuerySet[Order]:
    """The registered annotations on `qs`."""
    if not _annotations:
        return qs
    return qs.annotate(**{name: build() for name, build in _annotations.items()})


def order_page_panel_register(panel: OrderPagePanel) -> None:
    if panel not in _page_panels:
        _page_panels.append(panel)


def order_page_panels(request: HttpRequest, order: Order) -> list[SafeString]:
    return [panel(request, order) for panel in _page_panels]


def order_admin_inline_register(inline: type[Any]) -> None:
    if inline not in _admin_inlines:
        _admin_inlines.append(inline)


def order_admin_inlines() -> list[type[Any]]:
    return list(_admin_inlines)
