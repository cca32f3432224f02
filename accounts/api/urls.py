from django.urls import path

from accounts.api import views

urlpatterns = [
    path("users/register", views.RegisterView.as_view(), name="user-register"),
    path("users/login", views.LoginView.as_view(), name="user-login"),
    path("auth/token", views.ThrottledTokenObtainPairView.as_view(), name="token-obtain"),
    path("auth/token/refresh", views.EchoTokenRefreshView.as_view(), name="token-refresh"),
    path("auth/logout", views.LogoutView.as_view(), name="logout"),
]
