from django.urls import path

from disputes import views

app_name = "disputes"

urlpatterns = [
    path("", views.dispute_list, name="list"),
    path("<int:dispute_id>/", views.dispute_detail, name="detail"),
    path("<int:dispute_id>/withdraw/", views.dispute_withdraw, name="withdraw"),
    path("<int:dispute_id>/escalate/", views.dispute_escalate, name="escalate"),
    path("<int:dispute_id>/offers/", views.offer_make, name="offer_make"),
    path("<int:dispute_id>/offers/<int:offer_id>/accept/", views.offer_accept, name="offer_accept"),
    path(
        "<int:dispute_id>/offers/<int:offer_id>/decline/",
        views.offer_decline,
        name="offer_decline",
    ),
    path(
        "<int:dispute_id>/offers/<int:offer_id>/withdraw/",
        views.offer_withdraw,
        name="offer_withdraw",
    ),
    path("<int:dispute_id>/evidence/", views.evidence_add, name="evidence_add"),
    path("<int:dispute_id>/evidence/<int:pk>/file/", views.evidence_file, name="evidence_file"),
    path(
        "<int:dispute_id>/evidence/<int:pk>/preview/",
        views.evidence_preview,
        name="evidence_preview",
    ),
    path("orders/<int:order_id>/open/", views.dispute_open, name="open"),
]
