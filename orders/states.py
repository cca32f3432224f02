"""Order status moves. Completed and cancelled orders are final."""

from __future__ import annotations

from orders.models import OrderStatus

ORDER_TRANSITIONS: dict[str, frozenset[str]] = {
    OrderStatus.PENDING: frozenset(
        {OrderStatus.IN_PROGRESS, OrderStatus.COMPLETED, OrderStatus.CANCELLED}
    ),
    OrderStatus.IN_PROGRESS: frozenset({OrderStatus.COMPLETED, OrderStatus.CANCELLED}),
    OrderStatus.COMPLETED: frozenset(),
    OrderStatus.CANCELLED: frozenset(),
}


def order_move_allowed(current: str, target: str) -> bool:
    return target in ORDER_TRANSITIONS.get(current, frozenset())
