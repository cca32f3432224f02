"""The finance API (payment provider wire format) at /openapi/2024-07/shoplazza-payment/."""

from django.urls import URLPattern, URLResolver, path

from disputes.api.finance import FinanceDisputeDetail, FinanceDisputeList

urlpatterns: list[URLPattern | URLResolver] = [
    path("disputes", FinanceDisputeList.as_view(), name="finance-dispute-list"),
    path(
        "disputes/<str:dispute_id>", FinanceDisputeDetail.as_view(), name="finance-dispute-detail"
    ),
]
