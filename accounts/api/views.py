from __future__ import annotations

from django.contrib.auth import authenticate
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView
from rest_framework_simplejwt.views import TokenObtainPairView, TokenRefreshView

from accounts.api.serializers import (
    LoginOutput,
    LogoutInput,
    UserLoginInput,
    UserRegisterInput,
    login_payload,
)
from accounts.authentication import bearer_credentials
from accounts.lockout import LoginLockedOut, is_locked_out
from accounts.services import token_logout, user_register
from echo_disputes.errors import DomainError
from echo_disputes.openapi import errors


class InvalidCredentials(DomainError):
    status_code = status.HTTP_401_UNAUTHORIZED
    default_code = "invalid_credentials"
    default_message = _("Invalid email or password.")


class RegisterView(APIView):
    permission_classes = (AllowAny,)
    authentication_classes = ()
    throttle_classes = (ScopedRateThrottle,)
    throttle_scope = "register"

    @extend_schema(
        request=UserRegisterInput,
        responses={201: LoginOutput, **errors(400, 409, 415, 429)},
        tags=["users"],
        summary="Register a user (never grants a role)",
    )
    def post(self, request: Request) -> Response:
        data = UserRegisterInput(data=request.data)
        data.is_valid(raise_exception=True)
        user = user_register(**data.validated_data)
        return Response(login_payload(user), status=status.HTTP_201_CREATED)


class LoginView(APIView):
    permission_classes = (AllowAny,)
    authentication_classes = ()
    throttle_classes = (ScopedRateThrottle,)
    throttle_scope = "login"

    @extend_schema(
        request=UserLoginInput,
        responses={200: LoginOutput, **errors(400, 401, 415, 429)},
        tags=["users"],
        summary="Log in with email and password (ECHO shape)",
    )
    def post(self, request: Request) -> Response:
        data = UserLoginInput(data=request.data)
        data.is_valid(raise_exception=True)
        # The DRF request, as simplejwt's own token serializer passes it to the backends: axes'
        # backend reads the client from it and marks it when the login is locked out.
        user = authenticate(
            request,  # type: ignore[arg-type]
            email=data.validated_data["email"],
            password=data.validated_data["password"],
        )
        if user is None:
            if is_locked_out(request):
                raise LoginLockedOut()
            raise InvalidCredentials()
        return Response(login_payload(user))  # type: ignore[arg-type]


class ThrottledTokenObtainPairView(TokenObtainPairView):
    throttle_classes = (ScopedRateThrottle,)
    throttle_scope = "login"

    @extend_schema(responses={200: None, **errors(400, 401, 415, 429)}, tags=["auth"])
    def post(self, request: Request, *args: object, **kwargs: object) -> Response:
        return super().post(request, *args, **kwargs)


class EchoTokenRefreshView(TokenRefreshView):
    # A stolen or guessed refresh token is tried like a password: the same kind of budget.
    throttle_classes = (ScopedRateThrottle,)
    throttle_scope = "token"

    @extend_schema(responses={200: None, **errors(400, 401, 415, 429)}, tags=["auth"])
    def post(self, request: Request, *args: object, **kwargs: object) -> Response:
        return super().post(request, *args, **kwargs)


class LogoutView(APIView):
    permission_classes = (AllowAny,)
    authentication_classes = ()
    throttle_classes = (ScopedRateThrottle,)
    throttle_scope = "token"

    def get_authenticate_header(self, request: Request) -> str:
        # With no authenticators DRF would turn a refused token into 403; it is a 401.
        return 'Bearer realm="api"'

    @extend_schema(
        request=LogoutInput,
        responses={204: None, **errors(400, 401, 415, 429)},
        tags=["auth"],
        summary="Revoke a refresh token, or the bearer login token when no body names one",
    )
    def post(self, request: Request) -> Response:
        data = LogoutInput(data=request.data)
        data.is_valid(raise_exception=True)
        refresh = data.validated_data.get("refresh")
        credentials = None if refresh is not None else bearer_credentials(request)
        user, token = credentials or (None, None)
        token_logout(refresh=refresh, user=user, login_token=token)  # type: ignore[arg-type]
        return Response(status=status.HTTP_204_NO_CONTENT)
