from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.http import HttpRequest

from accounts.models import User
from accounts.policies import is_support_staff
from echo_disputes.admin import BoundedCountPaginator


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    """Support staff look accounts up (the dispute page links buyers and sellers here) whatever
    their Django model permissions; adding, changing or deleting an account still takes the
    model permissions that a superuser holds."""

    ordering = ("email",)
    list_display = ("email", "username", "is_staff", "is_active", "date_joined", "last_login")
    list_filter = ("is_staff", "is_superuser", "is_active", "groups")
    # Exact e-mail and username prefixes: no substring scan over every account.
    search_fields = ("=email", "^username")
    search_help_text = "An exact e-mail, or the start of a username."
    paginator = BoundedCountPaginator
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    list_per_page = 50
    fieldsets = (
        (None, {"fields": ("email", "username", "password", "avatar_url")}),
        ("Roles", {"fields": ("is_active", "is_staff", "is_superuser", "groups")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("email", "username", "password1", "password2")}),
    )

    def has_module_permission(self, request: HttpRequest) -> bool:
        return is_support_staff(request.user) or super().has_module_permission(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_support_staff(request.user) or super().has_view_permission(request, obj)
