from django.urls import re_path

from accounts.api import views

# With or without a trailing slash, like every API route (echo_disputes.routers).
urlpatterns = [
    re_path(r"^users/register/?$", views.RegisterView.as_view(), name="user-register"),
    re_path(r"^users/login/?$", views.LoginView.as_view(), name="user-login"),
    re_path(r"^auth/token/?$", views.ThrottledTokenObtainPairView.as_view(), name="token-obtain"),
    re_path(r"^auth/token/refresh/?$", views.EchoTokenRefreshView.as_view(), name="token-refresh"),
    re_path(r"^auth/logout/?$", views.LogoutView.as_view(), name="logout"),
]
