from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers
from rest_framework.exceptions import AuthenticationFailed
from rest_framework_simplejwt.serializers import (
    TokenObtainPairSerializer,
    TokenObtainSerializer,
    TokenRefreshSerializer,
)
from rest_framework_simplejwt.settings import api_settings as jwt_settings

from accounts.lockout import LoginLockedOut, is_locked_out
from accounts.models import User
from accounts.services import login_token_issue, token_issue
from echo_disputes.serializers import StrictInputSerializer


class UserRegisterInput(StrictInputSerializer):
    email = serializers.EmailField(max_length=254)
    username = serializers.RegexField(
        r"^[\w.@+-]+\Z",
        max_length=150,
        error_messages={"invalid": _("Letters, digits and @/./+/-/_ only.")},
    )
    password = serializers.CharField(max_length=128, trim_whitespace=False)


class UserLoginInput(StrictInputSerializer):
    email = serializers.CharField(max_length=254)
    password = serializers.CharField(max_length=128, trim_whitespace=False)


class LoginOutput(serializers.Serializer):
    """ECHO's login shape, exactly: one long-lived token and no refresh token, which would put a
    7-day credential in the browser's session storage (clients that want one use
    `/api/auth/token`)."""

    token = serializers.CharField()
    id = serializers.IntegerField()
    email = serializers.EmailField()
    username = serializers.CharField()
    roles = serializers.ListField(child=serializers.ChoiceField(choices=["ADMIN", "USER"]))
    isActive = serializers.BooleanField()
    avatarUrl = serializers.CharField(allow_blank=True, allow_null=True)


def login_payload(user: User) -> dict[str, Any]:
    return {
        "token": str(login_token_issue(user=user)),
        "id": user.pk,
        "email": user.email,
        "username": user.username,
        "roles": user.roles,
        "isActive": user.is_active,
        "avatarUrl": user.avatar_url or None,
    }


class ScopedTokenObtainPairSerializer(StrictInputSerializer, TokenObtainPairSerializer):
    """simplejwt's pair endpoint, plus an optional `scope` to ask for fewer scopes than held."""

    scope = serializers.CharField(required=False, allow_blank=True, max_length=200)

    def validate(self, attrs: dict[str, Any]) -> dict[str, str]:
        requested = attrs.pop("scope", None)
        # The grandparent only authenticates (passing the request, so axes counts the attempt);
        # the parent would also mint an unused token pair.
        try:
            TokenObtainSerializer.validate(self, attrs)
        except AuthenticationFailed:
            if is_locked_out(self.context.get("request")):
                raise LoginLockedOut() from None
            raise
        refresh = token_issue(user=self.user, requested_scope=requested)  # type: ignore[arg-type]
        if jwt_settings.UPDATE_LAST_LOGIN:
            from django.contrib.auth.models import update_last_login

            update_last_login(None, self.user)  # type: ignore[arg-type]
        return {"refresh": str(refresh), "access": str(refresh.access_token)}


class TokenPairOutput(serializers.Serializer):
    access = serializers.CharField()
    refresh = serializers.CharField()


class LogoutInput(StrictInputSerializer):
    # Omitted by ECHO's client: its login token, sent as Authorization: Bearer, is revoked instead.
    refresh = serializers.CharField(required=False)


class StrictTokenRefreshSerializer(StrictInputSerializer, TokenRefreshSerializer):
    """simplejwt's refresh body, refusing unknown fields like every other endpoint."""

    def validate(self, attrs: dict[str, Any]) -> dict[str, str]:
        # simplejwt looks the token's user up with .get(): a deleted user would be a 500, but to
        # the caller it is the same as an inactive one.
        try:
            return super().validate(attrs)
        except User.DoesNotExist:
            raise AuthenticationFailed(
                self.error_messages["no_active_account"], "no_active_account"
            ) from None
