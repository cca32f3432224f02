"""The finance API (payment provider wire format) at /openapi/2024-07/shoplazza-payment/."""

from django.urls import URLPattern, URLResolver, re_path

from disputes.api.finance.views import FinanceDisputeDetail, FinanceDisputeList

urlpatterns: list[URLPattern | URLResolver] = [
    re_path(r"^disputes/?$", FinanceDisputeList.as_view(), name="finance-dispute-list"),
    re_path(
        r"^disputes/(?P<dispute_id>[^/]+)/?$",
        FinanceDisputeDetail.as_view(),
        name="finance-dispute-detail",
    ),
]
