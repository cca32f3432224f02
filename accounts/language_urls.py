"""The language switch, `set_language` at /i18n/setlang/ (no namespace, like Django's own)."""

from django.urls import path

from accounts import views

urlpatterns = [
    path("setlang/", views.set_language, name="set_language"),
]
