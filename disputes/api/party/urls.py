from django.urls import re_path

from disputes.api.party.events import DisputeEventFeed, EventFeed
from disputes.api.party.evidence import EvidenceViewSet
from disputes.api.party.views import DisputeViewSet
from echo_disputes.routers import OptionalSlashRouter

router = OptionalSlashRouter()
router.register("disputes", DisputeViewSet, basename="dispute")
router.register(
    r"disputes/(?P<dispute_id>[0-9]{1,18})/evidence", EvidenceViewSet, basename="dispute-evidence"
)

urlpatterns = [
    *router.urls,
    # With or without a trailing slash, like the router's routes.
    re_path(r"^events/?$", EventFeed.as_view(), name="event-feed"),
    re_path(
        r"^disputes/(?P<dispute_id>[0-9]{1,18})/events/?$",
        DisputeEventFeed.as_view(),
        name="dispute-events",
    ),
]
