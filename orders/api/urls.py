from rest_framework.routers import SimpleRouter

from orders.api.views import ItemViewSet, OrderViewSet

# Routes without a trailing slash: ApiTrailingSlashMiddleware strips one if a client sends it.
router = SimpleRouter(trailing_slash=False)
router.register("items", ItemViewSet, basename="item")
router.register("orders", OrderViewSet, basename="order")

urlpatterns = router.urls
