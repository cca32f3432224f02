from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Store(models.Model):
    """A seller's shop; one per seller, created when the seller first lists an item."""

    owner = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="store",
        verbose_name=_("owner"),
    )
    name = models.CharField(max_length=200, verbose_name=_("name"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("store")
        verbose_name_plural = _("stores")

    def __str__(self) -> str:
        return self.name


class Item(models.Model):
    store = models.ForeignKey(
        Store, on_delete=models.PROTECT, related_name="items", verbose_name=_("store")
    )
    title = models.CharField(max_length=200, verbose_name=_("title"))
    description = models.TextField(
        blank=True, default="", max_length=5000, verbose_name=_("description")
    )
    base_price = models.DecimalField(max_digits=12, decimal_places=2, verbose_name=_("base price"))
    currency = models.CharField(max_length=3, default="EUR", verbose_name=_("currency"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("item")
        verbose_name_plural = _("items")
        ordering = ("-created_at", "-id")
        constraints: ClassVar = [
            models.CheckConstraint(condition=Q(base_price__gt=0), name="item_price_positive"),
        ]

    def __str__(self) -> str:
        return self.title


class OrderStatus(models.TextChoices):
    PENDING = "PENDING", _("Pending")
    IN_PROGRESS = "IN_PROGRESS", _("In progress")
    COMPLETED = "COMPLETED", _("Completed")
    CANCELLED = "CANCELLED", _("Cancelled")


class Order(models.Model):
    buyer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="orders",
        verbose_name=_("buyer"),
    )
    item = models.ForeignKey(
        Item, on_delete=models.PROTECT, related_name="orders", verbose_name=_("item")
    )
    # Denormalised from item.store.owner: every dispute scope query asks "buyer or seller", and one
    # indexed column beats a three-table join on the hottest query of the product.
    seller = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="sales",
        verbose_name=_("seller"),
    )
    final_price = models.DecimalField(
        max_digits=12, decimal_places=2, verbose_name=_("final price")
    )
    currency = models.CharField(max_length=3, verbose_name=_("currency"))
    status = models.CharField(
        max_length=16,
        choices=OrderStatus.choices,
        default=OrderStatus.PENDING,
        verbose_name=_("status"),
    )
    transaction_id = models.CharField(max_length=64, unique=True, verbose_name=_("transaction id"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        ordering = ("-created_at", "-id")
        indexes: ClassVar = [
            models.Index(fields=["buyer", "-created_at"], name="order_buyer_created"),
            models.Index(fields=["seller", "-created_at"], name="order_seller_created"),
        ]
        constraints: ClassVar = [
            models.CheckConstraint(condition=Q(final_price__gt=0), name="order_price_positive"),
            models.CheckConstraint(
                condition=Q(status__in=OrderStatus.values), name="order_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"Order #{self.pk}"

    def is_party(self, user_id: int | None) -> bool:
        return user_id is not None and user_id in (self.buyer_id, self.seller_id)
