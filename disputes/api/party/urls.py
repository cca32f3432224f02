from rest_framework.routers import SimpleRouter

from disputes.api.party.views import DisputeViewSet

# ECHO clients call paths without a trailing slash, Django habits add one: both resolve to the
# same view, with no redirect (a redirect would turn a POST into a GET in many clients).
router = SimpleRouter(trailing_slash="/?")
router.register("disputes", DisputeViewSet, basename="dispute")

urlpatterns = router.urls
