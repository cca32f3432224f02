"""Settings for `make bench`: production settings, loopback-only hosts, the floor and peer views.

Everything that matters for speed (DEBUG off, persistent connections, middleware, DRF) stays as in
production; only what cannot work on plain-HTTP loopback or would refuse a load test changes.
"""

import os

os.environ.setdefault(
    "DJANGO_SECRET_KEY", "bench-only-secret-key-never-used-outside-loopback-0123456789"
)
os.environ.setdefault("ECHO_LOGIN_THROTTLE", "100000/min")
os.environ.setdefault("ECHO_REGISTER_THROTTLE", "100000/min")
os.environ.setdefault("ECHO_TOKEN_THROTTLE", "100000/min")
# The post scenario posts thousands of messages as one buyer to one dispute: it measures the
# request, not the flood limits (issue 15's soak run measures those with production values).
os.environ.setdefault("ECHO_POST_THROTTLE", "")
os.environ.setdefault("ECHO_MAX_MESSAGES_PER_DISPUTE", "100000000")
# The run lasts several minutes per size; tokens minted at its start must outlive it.
os.environ.setdefault("JWT_ACCESS_MINUTES", "240")
# The upload scenario adds thousands of files to one dispute; run.sh points this at a throwaway
# folder it removes afterwards.
os.environ.setdefault("EVIDENCE_MAX_FILES", "10000000")

from echo_disputes.settings import *  # noqa: F403
from echo_disputes.settings import EVIDENCE_STORAGE as _EVIDENCE_STORAGE
from echo_disputes.settings import MIDDLEWARE as _BASE_MIDDLEWARE

DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1"]
ROOT_URLCONF = "bench.urls"
# The load runs over plain HTTP on loopback: a Secure cookie would never come back.
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SECURE_HSTS_SECONDS = 0
# Counts queries only when a request asks for it (one probe per scenario), so the measured
# requests pay nothing but one header lookup.
MIDDLEWARE = ["bench.middleware.QueryCountMiddleware", *_BASE_MIDDLEWARE]
# Static files are not part of any scenario; the manifest storage would need collectstatic.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    "evidence": _EVIDENCE_STORAGE,
}
WHITENOISE_USE_FINDERS = True
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "ERROR"},
}
EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"
