"""Server-rendered order pages for the parties: my orders, and an order. Like the dispute pages,
only the buyer and the seller see an order here. What other apps show about an order (its
disputes and the "open a dispute" form) comes through `orders.extensions` as page panels."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from orders.extensions import order_page_panels
from orders.selectors import order_get_for_party, orders_of_party

PAGE_SIZE = 20


@login_required
@require_http_methods(["GET"])
def order_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(orders_of_party(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "orders/list.html", {"page": page})


@login_required
@require_http_methods(["GET"])
def order_detail(request: HttpRequest, order_id: int) -> HttpResponse:
    order = order_get_for_party(request.user, order_id=order_id)
    if order is None:
        raise Http404("No order here.")
    context = {"order": order, "panels": order_page_panels(request, order)}
    return render(request, "orders/detail.html", context)
