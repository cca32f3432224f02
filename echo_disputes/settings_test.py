"""Test settings: the production module with the few values tests need."""

import os

os.environ.setdefault("ECHO_TESTING", "1")
os.environ.setdefault("PAYMENTS_WEBHOOK_SECRET", "test-webhook-secret")

from echo_disputes.settings import *  # noqa: F403
from echo_disputes.settings import REST_FRAMEWORK

# Hashing with the default PBKDF2 makes every factory user cost ~100 ms.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SECURE_HSTS_SECONDS = 0
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
REST_FRAMEWORK = {
    **REST_FRAMEWORK,
    "DEFAULT_THROTTLE_RATES": {"login": "10/min", "register": "5/min"},
}
PAYMENTS_WEBHOOK_SECRET = "test-webhook-secret"
# Tests that touch no database (settings, schema, pure functions) still clear the throttle cache:
# a process-local cache keeps them free of the database. Production's shared database cache is
# checked in tests/accounts/test_throttle_shared.py.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
