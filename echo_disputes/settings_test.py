"""Test settings: the production module with the few values tests need.

The only place with a known secret key: tests sign tokens and sessions with it, and production
(echo_disputes.settings) refuses to start without DJANGO_SECRET_KEY.
"""

import atexit
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

os.environ.setdefault("DJANGO_SECRET_KEY", "test-only-secret-key-never-used-outside-the-test-suite")
os.environ.setdefault("PAYMENTS_WEBHOOK_SECRET", "test-webhook-secret")

from echo_disputes.settings import *  # noqa: F403
from echo_disputes.settings import REST_FRAMEWORK, STORAGES

# Hashing with the default PBKDF2 makes every factory user cost ~100 ms.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SECURE_HSTS_SECONDS = 0
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
REST_FRAMEWORK = {
    **REST_FRAMEWORK,
    "DEFAULT_THROTTLE_RATES": {"login": "10/min", "register": "5/min", "token": "30/min"},
}
PAYMENTS_WEBHOOK_SECRET = "test-webhook-secret"
# Tests serve static files straight from the apps, with no collectstatic run (whitenoise would
# otherwise warn, an error under pytest, that STATIC_ROOT does not exist).
# Evidence files written by tests (schemathesis and the permission table upload real ones) go to a
# throwaway folder, removed when the test process ends, never into the project's media folder.
EVIDENCE_ROOT = Path(tempfile.mkdtemp(prefix="echo-evidence-tests-"))
atexit.register(shutil.rmtree, EVIDENCE_ROOT, True)
EVIDENCE_TEST_STORAGE: dict[str, Any] = {
    "BACKEND": "django.core.files.storage.FileSystemStorage",
    "OPTIONS": {"location": str(EVIDENCE_ROOT)},
}
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    "evidence": EVIDENCE_TEST_STORAGE,
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Throttle and lock-out tests send many refused requests; the delay has its own tests.
ECHO_REFUSAL_DELAY_SECONDS = 0.0
# Tests that touch no database (settings, schema, pure functions) still clear the throttle cache:
# a process-local cache keeps them free of the database. Production's shared database cache is
# checked in tests/accounts/test_throttle_shared.py.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Many tests send wrong passwords from 127.0.0.1 (the schema fuzz, the login tests, the browser):
# they are not about lock-out and must not lock each other out. The lock-out tests
# (tests/hardening/test_lockout.py) put the production limits back.
AXES_FAILURE_LIMIT = 10_000
