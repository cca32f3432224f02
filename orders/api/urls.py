from echo_disputes.routers import OptionalSlashRouter
from orders.api.views import ItemViewSet, OrderViewSet

router = OptionalSlashRouter()
router.register("items", ItemViewSet, basename="item")
router.register("orders", OrderViewSet, basename="order")

urlpatterns = router.urls
