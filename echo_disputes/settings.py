"""Settings for ECHO Disputes, read from the environment.

Production differs from development only by environment values; `.env.example` lists every variable.
"""

from __future__ import annotations

import os
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import dj_database_url
from corsheaders.defaults import default_headers as cors_default_headers
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "")
    return int(value) if value.strip() else default


def env_list(name: str, default: str = "") -> list[str]:
    return [part.strip() for part in os.environ.get(name, default).split(",") if part.strip()]


DEBUG = env_bool("DJANGO_DEBUG", False)

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if DEBUG:
        # Only development may run without a key: production must refuse to start.
        SECRET_KEY = "insecure-development-only-key-not-for-production-use-0123456789"
    else:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off.")

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "corsheaders",
    "rest_framework",
    # simplejwt's own app only for its translations (its messages in Spanish); it has no models.
    "rest_framework_simplejwt",
    "rest_framework_simplejwt.token_blacklist",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "django_tasks",
    "django_tasks_db",
    "background",
    "accounts",
    "orders",
    "integrations",
    "disputes",
    "idempotency",
]

MIDDLEWARE = [
    # Outermost, so it sees the final answer: a 429 from any throttle or the lock-out is held
    # back for ECHO_REFUSAL_DELAY_SECONDS (echo_disputes/refusal_delay.py).
    "echo_disputes.refusal_delay.RefusalDelayMiddleware",
    # Outermost, so every response under /api/ (even a DisallowedHost 400) leaves as JSON.
    "echo_disputes.middleware.ApiErrorMiddleware",
    # Before anything that answers or authenticates: a browser's preflight OPTIONS carries no
    # token and is answered here, and every /api/ response gets its CORS headers.
    "corsheaders.middleware.CorsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Before anything reads the query string: a URL past URL_MAX_LENGTH is a 414.
    "echo_disputes.middleware.UrlLengthMiddleware",
    # Early, before any view, form or filter reads a value: NUL and other controls are a 400.
    "echo_disputes.middleware.ControlCharacterMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The language of the request: the language cookie (the page switch), else Accept-Language,
    # else LANGUAGE_CODE; no URL prefixes; the finance API in English (docs/i18n.md).
    "echo_disputes.middleware.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Once the session's user is known: a signed-in user's saved language wins on pages and in
    # the admin (the API follows Accept-Language only).
    "accounts.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as axes asks: it turns a page or admin login that axes refused into the lock-out
    # answer (accounts.lockout.lockout_response).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "echo_disputes.urls"
WSGI_APPLICATION = "echo_disputes.wsgi.application"
ASGI_APPLICATION = "echo_disputes.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    # An unset or empty DATABASE_URL is the embedded SQLite default (`make run`).
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Django's own prepared statements (psycopg 3): with server-side binding, psycopg prepares a
    # statement after `prepare_threshold` runs on a connection. Behind a transaction pooler that
    # cannot keep prepared statements (PgBouncer before 1.21, or without max_prepared_statements),
    # set DATABASE_SERVER_SIDE_BINDING=0 (docs/operations.md).
    if env_bool("DATABASE_SERVER_SIDE_BINDING", True):
        DATABASES["default"].setdefault("OPTIONS", {}).update(
            {
                "server_side_binding": True,
                "prepare_threshold": env_int("DATABASE_PREPARE_THRESHOLD", 5) or None,
            }
        )

AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# axes' backend first: it refuses a locked-out login before any password is checked, on every way
# in (API login, token endpoint, page login, admin login), all of which call authenticate() with
# the request. It authenticates nobody itself; ModelBackend does.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Failed logins are counted per account AND per client address (either one reaching the limit
# locks), in the database so every worker and host shares the counts; a lock lasts the cool-off
# after the last failure (a failure while locked restarts it). docs/decisions.md, "Login lock-out".
AXES_FAILURE_LIMIT = env_int("ECHO_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("ECHO_LOGIN_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
# A success does not wipe the counts: axes would delete every attempt from the successful
# client's address too, so an attacker with an account of their own could log into it between
# guesses at someone else's and never be locked.
AXES_RESET_ON_SUCCESS = False
AXES_USERNAME_CALLABLE = "accounts.lockout.login_identifier"
# The same client address as DRF's throttles (REST_FRAMEWORK["NUM_PROXIES"] below).
AXES_CLIENT_IP_CALLABLE = "accounts.lockout.client_address"
AXES_LOCKOUT_CALLABLE = "accounts.lockout.lockout_response"
# Only failures are kept (AccessAttempt); no row per successful login.
AXES_DISABLE_ACCESS_LOG = True

LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/disputes/"
LOGOUT_REDIRECT_URL = "/accounts/login/"

# English and Spanish (docs/i18n.md). The names are shown in the language switch and the admin.
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("es", _("Español"))]
# Template strings are catalogued in templates/locale, every other string in locale/; the first
# path wins if both translate the same msgid.
LOCALE_PATHS = [BASE_DIR / "templates" / "locale", BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# Evidence files (docs/operations.md, "Evidence storage"): the local file system under a folder no
# URL serves, or S3-compatible object storage through django-storages when a bucket is named.
# Either way files are only served by the permission-checked API view.
EVIDENCE_ROOT = Path(os.environ.get("EVIDENCE_ROOT") or BASE_DIR / "media" / "evidence")
EVIDENCE_S3_BUCKET = os.environ.get("EVIDENCE_S3_BUCKET", "")
EVIDENCE_STORAGE: dict[str, Any]
if EVIDENCE_S3_BUCKET:
    EVIDENCE_STORAGE = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": EVIDENCE_S3_BUCKET,
            "endpoint_url": os.environ.get("EVIDENCE_S3_ENDPOINT_URL") or None,
            "region_name": os.environ.get("EVIDENCE_S3_REGION") or None,
            "access_key": os.environ.get("EVIDENCE_S3_ACCESS_KEY_ID") or None,
            "secret_key": os.environ.get("EVIDENCE_S3_SECRET_ACCESS_KEY") or None,
            "location": os.environ.get("EVIDENCE_S3_PREFIX", "evidence"),
            # Private objects, never overwritten; the app streams them, nobody links to them.
            "default_acl": "private",
            "file_overwrite": False,
            "querystring_auth": True,
        },
    }
else:
    EVIDENCE_STORAGE = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {
            "location": str(EVIDENCE_ROOT),
            "base_url": None,
            "file_permissions_mode": 0o640,
            "directory_permissions_mode": 0o750,
        },
    }
STORAGES["evidence"] = EVIDENCE_STORAGE
# Per file, enforced while the upload streams (echo_disputes/uploads.py), and files per dispute.
EVIDENCE_MAX_BYTES = env_int("EVIDENCE_MAX_BYTES", 10 * 1024 * 1024)
EVIDENCE_MAX_FILES = env_int("EVIDENCE_MAX_FILES", 20)
# Development and tests serve static files straight from the apps, with no collectstatic run
# (whitenoise would otherwise warn, an error under pytest, that STATIC_ROOT does not exist).
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Security headers: production values by default, relaxed only when DEBUG is on.
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", not DEBUG)
# The language switch's choice, remembered for a year; no script reads it (the switch is a form).
LANGUAGE_COOKIE_AGE = 365 * 24 * 60 * 60
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", not DEBUG)
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", False)
SECURE_HSTS_SECONDS = env_int("DJANGO_SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
# Preloading is hard to undo (browsers ship the list): only on request.
SECURE_HSTS_PRELOAD = env_bool("DJANGO_SECURE_HSTS_PRELOAD", False)
if env_bool("DJANGO_BEHIND_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# TLS ends at the load balancer in front of gunicorn; the redirect lives there (docs/operations.md).
# HSTS preload is opt-in (DJANGO_SECURE_HSTS_PRELOAD): silenced so `check --deploy` stays clean.
SILENCED_SYSTEM_CHECKS = ["security.W008", "security.W021"]

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # simplejwt's, plus the revocation check of long-lived login tokens (logout).
        "accounts.authentication.JWTAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # DRF's JSONRenderer, writing Decimal as its exact number literal (the party API's money,
    # docs/design.md §6); the finance API's amounts are strings and stay strings.
    "DEFAULT_RENDERER_CLASSES": ["echo_disputes.renderers.DecimalJSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["echo_disputes.parsers.BoundedJSONParser"],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "echo_disputes.pagination.EchoPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "echo_disputes.errors.api_exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_THROTTLE_RATES": {
        "login": os.environ.get("ECHO_LOGIN_THROTTLE", "10/min"),
        "register": os.environ.get("ECHO_REGISTER_THROTTLE", "5/min"),
        "token": os.environ.get("ECHO_TOKEN_THROTTLE", "30/min"),
    },
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    # Throttles key on the client address. With NUM_PROXIES unset DRF trusts X-Forwarded-For as
    # sent, so a brute-forcer would get a fresh budget per forged header: count only our proxies.
    "NUM_PROXIES": env_int("DJANGO_NUM_PROXIES", 1 if env_bool("DJANGO_BEHIND_PROXY") else 0),
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}

SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env_int("JWT_ACCESS_MINUTES", 15)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env_int("JWT_REFRESH_DAYS", 7)),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": False,
    "ALGORITHM": "HS256",
    "SIGNING_KEY": os.environ.get("JWT_SIGNING_KEY", "") or SECRET_KEY,
    "AUTH_HEADER_TYPES": ("Bearer",),
    # simplejwt's own checks: an inactive user is refused, and a token issued before the user's
    # password changed no longer authenticates (its `hash_password` claim no longer matches).
    "CHECK_USER_IS_ACTIVE": True,
    "CHECK_REVOKE_TOKEN": True,
    "TOKEN_OBTAIN_SERIALIZER": "accounts.api.serializers.ScopedTokenObtainPairSerializer",
    "TOKEN_REFRESH_SERIALIZER": "accounts.api.serializers.StrictTokenRefreshSerializer",
}
# `POST /api/users/login` (and register) answer ECHO's single token, which ECHO's client never
# refreshes: it lives as long as ECHO's (24 hours). Logout revokes it at once, and so does a
# password change (docs/decisions.md, "Tokens and authentication").
ECHO_LOGIN_TOKEN_LIFETIME = timedelta(hours=env_int("ECHO_LOGIN_TOKEN_HOURS", 24))
# How long an Idempotency-Key's first answer is replayed (docs/design.md §6).
IDEMPOTENCY_KEY_HOURS = env_int("ECHO_IDEMPOTENCY_KEY_HOURS", 24)

# CORS, for ECHO's frontend served from another origin (docs/echo-compatibility.md): only the
# origins listed, only under /api/, bearer tokens and no cookies. The demo (DJANGO_DEBUG=1) allows
# ECHO's Vite dev server.
CORS_ALLOWED_ORIGINS = env_list(
    "DJANGO_CORS_ALLOWED_ORIGINS", "http://localhost:5173" if DEBUG else ""
)
CORS_URLS_REGEX = r"^/api/"
CORS_ALLOW_CREDENTIALS = False
# Paging lives in these headers (docs/design.md §6); a browser hides them unless exposed.
CORS_EXPOSE_HEADERS = ["Link", "X-Page", "X-Page-Size", "Idempotent-Replayed"]
CORS_ALLOW_HEADERS = (*cors_default_headers, "idempotency-key")
CORS_PREFLIGHT_MAX_AGE = 86400

SPECTACULAR_SETTINGS = {
    "TITLE": "ECHO Disputes API",
    "DESCRIPTION": (
        "ECHO-compatible disputes API for buyers, sellers and staff, the finance API in the "
        "payment provider's wire format, and the chargeback webhook."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # PATCH bodies here are actions with required fields, not partial updates of a resource.
    "COMPONENT_SPLIT_PATCH": False,
    "SCHEMA_PATH_PREFIX": r"/api|/openapi",
    "PREPROCESSING_HOOKS": ["echo_disputes.openapi.document_paths_without_trailing_slash"],
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    # Swagger UI's assets come from the sidecar package, served by whitenoise: no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "OrderStatusEnum": "orders.models.OrderStatus",
        "DisputeStateEnum": "disputes.models.DisputeStatus",
        "DisputeKindEnum": "disputes.models.DisputeKind",
        "EvidenceKindEnum": "disputes.models.EvidenceKind",
        "EchoStatusEnum": [("OPEN", "OPEN"), ("CLOSED", "CLOSED")],
        "CurrencyEnum": "echo_disputes.serializers.CURRENCY_CODES",
        # The outbound event types: the feed's `type` and the webhook endpoints' `eventTypes`.
        "OutboundEventTypeEnum": "integrations.outbox.EVENT_TYPES",
    },
}

# Login and registration throttles count in this cache. It lives in the database so that every
# gunicorn worker and every app host shares one budget per client (a per-process cache would
# multiply the brute-force allowance by the number of workers). accounts' migration 0003 creates
# the table.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "echo_cache",
    }
}

# Disputes
DISPUTE_RESPONSE_WINDOW = timedelta(days=env_int("DISPUTE_RESPONSE_DAYS", 7))
CHARGEBACK_FEE = Decimal(os.environ.get("CHARGEBACK_FEE", "15.00"))
PAYMENTS_WEBHOOK_SECRET = os.environ.get("PAYMENTS_WEBHOOK_SECRET", "")
# What a JSON body may hold before it is decoded (echo_disputes/parsers.py): no request of the
# API comes near these; past them the answer is 413 (size) or 400 (depth, keys).
# Django's own DATA_UPLOAD_MAX_MEMORY_SIZE by default (2.5 MiB).
JSON_MAX_BYTES = env_int("JSON_MAX_BYTES", 2_621_440)
JSON_MAX_DEPTH = env_int("JSON_MAX_DEPTH", 32)
JSON_MAX_KEYS = env_int("JSON_MAX_KEYS", 1000)
# The longest URL (path plus query string, characters as received) the app serves; longer is a
# 414 from echo_disputes/middleware.py::UrlLengthMiddleware (JSON under /api/).
URL_MAX_LENGTH = env_int("URL_MAX_LENGTH", 8192)
# How far ahead of our clock a webhook event's `created` may be (clock skew); later is refused.
PAYMENTS_WEBHOOK_MAX_FUTURE = timedelta(
    seconds=env_int("PAYMENTS_WEBHOOK_MAX_FUTURE_SECONDS", 5 * 60)
)
# Threads (docs/design.md §6, docs/security.md threat 4): the dispute detail embeds the newest
# ECHO_DETAIL_MESSAGES messages (the rest are paged at /api/disputes/{id}/messages); a dispute
# takes at most ECHO_MAX_MESSAGES_PER_DISPUTE public messages (409 beyond); each user may post
# ECHO_POST_THROTTLE messages (DRF rate syntax), counted alike by the API, the thread page and the
# admin's post form. A person typing never comes near these.
ECHO_DETAIL_MESSAGES = env_int("ECHO_DETAIL_MESSAGES", 50)
ECHO_MAX_MESSAGES_PER_DISPUTE = env_int("ECHO_MAX_MESSAGES_PER_DISPUTE", 1000)
ECHO_POST_THROTTLE = os.environ.get("ECHO_POST_THROTTLE", "20/min")
# A 429 is answered this many seconds late, by at most ECHO_REFUSAL_DELAY_SLOTS threads of a
# process at once (echo_disputes/refusal_delay.py); 0 answers at once. Needs threaded workers.
ECHO_REFUSAL_DELAY_SECONDS = float(os.environ.get("ECHO_REFUSAL_DELAY_SECONDS") or 1)
ECHO_REFUSAL_DELAY_SLOTS = env_int("ECHO_REFUSAL_DELAY_SLOTS", 2)
# Messages per page on the thread page and the admin's dispute page.
ECHO_THREAD_PAGE_SIZE = env_int("ECHO_THREAD_PAGE_SIZE", 50)
# The staff response target (docs/admin.md): hours a dispute may wait for support staff after it
# is escalated or the respondent answers; a change applies to waits that start afterwards.
ECHO_STAFF_RESPONSE_HOURS = env_int("ECHO_STAFF_RESPONSE_HOURS", 24)
if ECHO_STAFF_RESPONSE_HOURS < 1:
    raise ImproperlyConfigured("ECHO_STAFF_RESPONSE_HOURS must be at least 1.")

EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = 10
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "disputes@localhost")

# Background tasks (docs/operations.md, "Background tasks"): django-tasks with its database
# backend by default, so the task row is written in the transaction of the change that causes it
# and SQLite and PostgreSQL need no other service; `manage.py db_worker` runs them. With
# ECHO_TASKS_BACKEND=redis the queue is Redis through django-tasks-rq (`manage.py rqworker
# --with-scheduler default`), handed over on commit.
ECHO_TASKS_BACKEND = os.environ.get("ECHO_TASKS_BACKEND", "database").strip().lower()
if ECHO_TASKS_BACKEND == "database":
    TASKS: dict[str, Any] = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}
    }
elif ECHO_TASKS_BACKEND == "redis":
    INSTALLED_APPS += ["django_rq", "django_tasks_rq"]
    TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    RQ_QUEUES = {
        "default": {
            "URL": os.environ.get("ECHO_REDIS_URL", "redis://127.0.0.1:6379/0"),
            "DEFAULT_TIMEOUT": 300,
        }
    }
else:
    raise ImproperlyConfigured("ECHO_TASKS_BACKEND must be 'database' or 'redis'.")
# A party gets at most one mail per dispute per window, listing what arrived.
ECHO_MAIL_BATCH_SECONDS = env_int("ECHO_MAIL_BATCH_SECONDS", 300)
# A failed SMTP conversation is retried with exponential backoff and jitter: attempt n waits
# between half and all of min(MAX, BASE * 2**(n-1)) seconds; the defaults give up after about
# an hour and a half.
ECHO_MAIL_MAX_ATTEMPTS = env_int("ECHO_MAIL_MAX_ATTEMPTS", 8)
ECHO_MAIL_RETRY_BASE_SECONDS = float(env_int("ECHO_MAIL_RETRY_BASE_SECONDS", 30))
ECHO_MAIL_RETRY_MAX_SECONDS = float(env_int("ECHO_MAIL_RETRY_MAX_SECONDS", 3600))
# Periodic jobs (background/schedule.py): the one schedule, safe with several hosts.
ECHO_PERIODIC_JOBS: dict[str, dict[str, Any]] = {
    "expire_disputes": {
        "task": "disputes.tasks.expire_disputes",
        "every_seconds": env_int("ECHO_EXPIRE_EVERY_SECONDS", 300),
    },
    # The 72- and 24-hour reminders of respond_by: a reminder goes out at most this late.
    "send_reminders": {
        "task": "disputes.tasks.send_reminders",
        "every_seconds": env_int("ECHO_REMINDERS_EVERY_SECONDS", 300),
    },
    # Webhook deliveries whose task was lost (a worker died mid-post) are queued again.
    "sweep_webhooks": {
        "task": "integrations.tasks.sweep_webhooks",
        "every_seconds": env_int("ECHO_WEBHOOKS_SWEEP_EVERY_SECONDS", 60),
    },
}

# Outbound webhooks (docs/webhooks.md). Endpoints must be https on public addresses; with
# ECHO_WEBHOOKS_ALLOW_PRIVATE_HOSTS (the demo's default, off in production) loopback and private
# ranges are accepted too, and plain http to loopback (integrations/ssrf.py says exactly what).
ECHO_WEBHOOKS_ALLOW_PRIVATE_HOSTS = env_bool("ECHO_WEBHOOKS_ALLOW_PRIVATE_HOSTS", DEBUG)
# The key endpoints' signing secrets are derived from (integrations/signing.py); DJANGO_SECRET_KEY
# when unset. Changing it changes every endpoint's secret.
ECHO_WEBHOOKS_SECRET_KEY = os.environ.get("ECHO_WEBHOOKS_SECRET_KEY", "")
# One attempt: connect, send, and the answer's status line within this many seconds.
ECHO_WEBHOOKS_TIMEOUT_SECONDS = float(os.environ.get("ECHO_WEBHOOKS_TIMEOUT_SECONDS") or 5)
# Failed attempts are retried with exponential backoff and jitter (attempt n waits between half
# and all of min(MAX, BASE * 2**(n-1)) seconds) for this many hours after the first attempt; then
# the delivery is failed. The defaults make about 20 attempts over three days.
ECHO_WEBHOOKS_RETRY_HOURS = env_int("ECHO_WEBHOOKS_RETRY_HOURS", 72)
ECHO_WEBHOOKS_RETRY_BASE_SECONDS = float(env_int("ECHO_WEBHOOKS_RETRY_BASE_SECONDS", 60))
ECHO_WEBHOOKS_RETRY_MAX_SECONDS = float(env_int("ECHO_WEBHOOKS_RETRY_MAX_SECONDS", 6 * 3600))
# An endpoint is disabled after this many failed deliveries in a row (each one retried for the
# whole window first); any delivered one resets the count.
ECHO_WEBHOOKS_DISABLE_AFTER_FAILURES = env_int("ECHO_WEBHOOKS_DISABLE_AFTER_FAILURES", 10)
# Certificates of https receivers are checked against the system's CAs, or this PEM bundle.
ECHO_WEBHOOKS_CA_FILE = os.environ.get("ECHO_WEBHOOKS_CA_FILE", "")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "WARNING")},
    "loggers": {
        # One line per refused request is noise at WARNING; errors still surface.
        "django.request": {"handlers": ["console"], "level": "ERROR", "propagate": False},
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}
