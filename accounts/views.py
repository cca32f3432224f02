"""Session login for the pages: Django's own views, with the email in the standard `username`
field (the user model's USERNAME_FIELD is the email); the language switch."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _
from django.views import i18n
from django.views.decorators.http import require_POST

from accounts.languages import is_supported
from accounts.lockout import is_locked_out, lockout_message
from accounts.models import User
from accounts.services import user_language_set


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
        "invalid_login": _(
            "This email and password do not match an account. Check both and retry."
        ),
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        username = self.fields["username"]
        username.label = _("Email")
        username.widget.input_type = "email"  # type: ignore[attr-defined]
        username.widget.attrs.update({"autocomplete": "email", "spellcheck": "false"})
        self.fields["password"].widget.attrs["autocomplete"] = "current-password"


class LoginView(auth_views.LoginView):
    authentication_form = EmailAuthenticationForm
    redirect_authenticated_user = True


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """The pages' language switch: Django's `set_language` (fields `language` and `next`; the same
    safe redirect), which sets the language cookie, and for a signed-in user the saved language
    too, so it follows them to other browsers and into their e-mails. A language outside
    settings.LANGUAGES stores nothing: no cookie, no saved language."""
    response = i18n.set_language(request)
    language = request.POST.get("language", "")
    if not is_supported(language):
        # Django's view sets the cookie for any language it has a catalogue of, not only ours.
        response.cookies.pop(settings.LANGUAGE_COOKIE_NAME, None)
        return response
    if isinstance(request.user, User) and request.user.is_authenticated:
        user_language_set(user=request.user, language=language)
    return response
