"""Settings for `make soak`: production settings with production throttles, on plain-HTTP loopback.

Unlike bench.settings nothing is loosened that a flood would meet: the login, token and post
throttles and the account lock-out are the production ones, so the soak shows what an attacker
and a flooder meet in production. Only what cannot work on loopback changes (hosts, Secure cookies,
static manifest), plus two limits an honest run of several minutes would otherwise hit by design
(the token's lifetime, the number of files per dispute).
"""

import os

os.environ.setdefault(
    "DJANGO_SECRET_KEY", "soak-only-secret-key-never-used-outside-loopback-0123456789"
)
# Tokens minted before the run must outlive it (the baseline and the soak, up to about an hour).
os.environ.setdefault("JWT_ACCESS_MINUTES", "240")
# Honest users upload to their own few disputes for the whole run.
os.environ.setdefault("EVIDENCE_MAX_FILES", "100000")

from echo_disputes.settings import *  # noqa: F403
from echo_disputes.settings import EVIDENCE_STORAGE as _EVIDENCE_STORAGE

DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1"]
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SECURE_HSTS_SECONDS = 0
SECURE_SSL_REDIRECT = False
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    "evidence": _EVIDENCE_STORAGE,
}
WHITENOISE_USE_FINDERS = True
# Throttled and refused requests log at WARNING; a soak of millions of them would spend its time
# writing logs. Errors still show.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "ERROR"},
}
EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"
