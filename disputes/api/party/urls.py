from disputes.api.party.evidence import EvidenceViewSet
from disputes.api.party.views import DisputeViewSet
from echo_disputes.routers import OptionalSlashRouter

router = OptionalSlashRouter()
router.register("disputes", DisputeViewSet, basename="dispute")
router.register(
    r"disputes/(?P<dispute_id>[0-9]{1,18})/evidence", EvidenceViewSet, basename="dispute-evidence"
)

urlpatterns = router.urls
