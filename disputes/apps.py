from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DisputesConfig(AppConfig):
    name = "disputes"
    verbose_name = _("Disputes")

    def ready(self) -> None:
        # Imported here, not above: the module imports models, which load after apps.py (Django's
        # documented place for start-up registration). orders cannot import disputes, so disputes
        # registers its part of the order rules and screens (see disputes/order_extensions.py).
        from disputes import order_extensions

        order_extensions.register()
