from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from accounts.policies import scope_rule_register


class OrdersConfig(AppConfig):
    name = "orders"
    verbose_name = _("Orders")

    def ready(self) -> None:
        # Imported here, not above: the models a policy module imports load after apps.py
        # (Django's documented place for this). accounts decides which API scopes a user holds
        # but cannot import orders, so orders tells it that a store owner reads finance data.
        from orders.policies import store_owner_scopes

        scope_rule_register(store_owner_scopes)
