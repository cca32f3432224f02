from disputes.api.party.views import DisputeViewSet
from echo_disputes.routers import OptionalSlashRouter

router = OptionalSlashRouter()
router.register("disputes", DisputeViewSet, basename="dispute")

urlpatterns = router.urls
