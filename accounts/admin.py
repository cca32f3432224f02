from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from accounts.models import User, username_key
from accounts.policies import is_support_staff
from accounts.services import username_normalize
from accounts.views import AdminLoginForm
from echo_disputes.admin import BoundedCountPaginator
from echo_disputes.errors import InvalidInput


class NormalisedUsernameMixin(forms.ModelForm):
    """The admin names accounts by the rule of registration
    (`accounts.services.username_normalize`): NFKC, one script, no look-alike of a Latin name."""

    def clean_username(self) -> str:
        try:
            name = username_normalize(self.cleaned_data.get("username") or "")
        except InvalidInput as exc:
            raise ValidationError(exc.message, code="username_lookalike") from None
        taken = User.objects.filter(Q(username_key=username_key(name)) | Q(username__iexact=name))
        if self.instance.pk is not None:
            taken = taken.exclude(pk=self.instance.pk)
        if taken.exists():
            raise ValidationError(_("This username is taken."), code="username_taken")
        return name

    def save(self, commit: bool = True) -> Any:
        self.instance.username_key = username_key(self.instance.username)
        return super().save(commit)


class UserAddForm(NormalisedUsernameMixin, AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("email", "username")


class UserEditForm(NormalisedUsernameMixin, UserChangeForm):
    class Meta:
        model = User
        fields = ("email", "username", "language", "is_active", "is_staff", "is_superuser")


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    """Support staff look accounts up (the dispute page links buyers and sellers here) whatever
    their Django model permissions; adding, changing or deleting an account still takes the
    model permissions that a superuser holds."""

    add_form = UserAddForm
    form = UserEditForm
    ordering = ("email",)
    list_display = ("email", "username", "is_staff", "is_active", "date_joined", "last_login")
    list_filter = ("is_staff", "is_superuser", "is_active", "language", "groups")
    # Exact e-mail and username prefixes: no substring scan over every account.
    search_fields = ("=email", "^username")
    search_help_text = _("An exact e-mail, or the start of a username.")
    paginator = BoundedCountPaginator
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    list_per_page = 50
    fieldsets = (
        (None, {"fields": ("email", "username", "password", "avatar_url", "language")}),
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


# The admin's login says when axes has locked the login out, like the page login.
admin.site.login_form = AdminLoginForm
