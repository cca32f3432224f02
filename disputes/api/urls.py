from rest_framework.routers import SimpleRouter

from disputes.api.views import DisputeViewSet

router = SimpleRouter(trailing_slash=False)
router.register("disputes", DisputeViewSet, basename="dispute")

urlpatterns = router.urls
