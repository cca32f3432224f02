"""Session login for the pages: Django's own views, with the email in the standard `username`
field (the user model's USERNAME_FIELD is the email)."""

from __future__ import annotations

from typing import Any

from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError

from accounts.lockout import is_locked_out, lockout_message


class LockoutMessageMixin(AuthenticationForm):
    """When axes refused the login (accounts.lockout), the form says so instead of "wrong
    password": retrying with the right one would fail too until the cool-off has passed. axes'
    middleware then answers the page with 429 and Retry-After."""

    def get_invalid_login_error(self) -> ValidationError:
        if is_locked_out(self.request):
            return ValidationError(lockout_message(), code="locked_out")
        return super().get_invalid_login_error()


class AdminLoginForm(LockoutMessageMixin, AdminAuthenticationForm):
    """The admin's login form (admin.site.login_form, set in accounts.admin)."""


class EmailAuthenticationForm(LockoutMessageMixin, AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        # The email is matched case-insensitively, so Django's "may be case-sensitive" misleads.
        "invalid_login": "This email and password do not match an account. Check both and retry.",
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        username = self.fields["username"]
        username.label = "Email"
        username.widget.input_type = "email"  # type: ignore[attr-defined]
        username.widget.attrs.update({"autocomplete": "email", "spellcheck": "false"})
        self.fields["password"].widget.attrs["autocomplete"] = "current-password"


class LoginView(auth_views.LoginView):
    authentication_form = EmailAuthenticationForm
    redirect_authenticated_user = True
