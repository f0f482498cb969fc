"""Django settings. Operators never edit this file: see ``aktenkundig/config.py``."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

from aktenkundig import config

BASE_DIR = Path(__file__).resolve().parent
# Everything this process creates (database, WAL, originals, keys, anchor) is
# readable by the service account only (issue #10, 8).
os.umask(0o077)
DATA_DIR = config.data_dir()
ORIGINALS_DIR = DATA_DIR / "originals"


def _secret(setting_name: str, file_name: str, factory) -> str:
    """A secret from the environment, else one generated once and kept in DATA_DIR."""
    configured = config.get(setting_name)
    if configured:
        return configured
    path = DATA_DIR / file_name
    if not path.exists():
        path.touch(mode=0o600)
        path.write_text(factory())
    return path.read_text().strip()


SECRET_KEY = _secret("AKTENKUNDIG_SECRET_KEY", "secret_key", lambda: secrets.token_urlsafe(50))
DEBUG = config.get_bool("AKTENKUNDIG_DEBUG")
ALLOWED_HOSTS = config.get_list("AKTENKUNDIG_ALLOWED_HOSTS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_tasks",
    "django_tasks_db",
    "ninja",
    "axes",
    "csp",
    "channels",
    "aktenkundig.core",
    "aktenkundig.documents",
    "aktenkundig.search",
    "aktenkundig.privacy",
    "aktenkundig.llm",
    "aktenkundig.assistant",
    "aktenkundig.governance",
    "aktenkundig.accounts",
    "aktenkundig.citizen",
    "aktenkundig.history",
    "aktenkundig.language",
    "aktenkundig.inbox",
    "aktenkundig.forms",
    "aktenkundig.speech",
    "aktenkundig.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "aktenkundig.accounts.middleware.SessionIdleTimeoutMiddleware",
    # Out-of-range numbers in a query or path answer 400, not 500.
    "aktenkundig.web.middleware.OutOfRangeMiddleware",
    # Last, as django-axes requires: it turns lockouts into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "aktenkundig.urls"
WSGI_APPLICATION = "aktenkundig.wsgi.application"
ASGI_APPLICATION = "aktenkundig.asgi.application"
# Live subtitles (speech.consumers): the in-memory layer reaches the sockets of one
# process. With several server processes the sockets still get every line through
# the database (within a second); a shared layer (e.g. channels_redis) makes that
# instant. See docs/architecture.md.
CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "aktenkundig.web.context_processors.navigation",
            ],
        },
    },
]

# Database: embedded SQLite unless AKTENKUNDIG_DATABASE_URL names PostgreSQL.
_database_url = config.get("AKTENKUNDIG_DATABASE_URL")
if _database_url:
    DATABASES = {"default": dj_database_url.parse(_database_url, conn_max_age=60)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": DATA_DIR / "aktenkundig.sqlite3",
            # WAL lets the web server read while ingestion writes; the busy timeout
            # makes a second writer wait instead of failing with "database is locked".
            "OPTIONS": {
                "timeout": 30,
                "transaction_mode": "IMMEDIATE",
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
        }
    }
DATABASE_IS_POSTGRES = DATABASES["default"]["ENGINE"].endswith("postgresql")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Background tasks (django-tasks). In the embedded default, work runs in-process
# when it is queued; on PostgreSQL any number of `aktenkundig worker` processes
# (on any number of machines) take it from the database queue.
_tasks_mode = config.get("AKTENKUNDIG_TASKS")
if _tasks_mode == "auto":
    _tasks_mode = "database" if DATABASE_IS_POSTGRES else "immediate"
if _tasks_mode not in {"immediate", "database"}:
    raise ValueError("AKTENKUNDIG_TASKS must be auto, immediate or database")
TASKS = {
    "default": {
        "BACKEND": (
            "django_tasks_db.DatabaseBackend"
            if _tasks_mode == "database"
            else "django_tasks.backends.immediate.ImmediateBackend"
        ),
        "QUEUES": ["default", "embeddings"],
    }
}

# The cache all workers share (rate limits must hold across server workers and
# machines): the database by default, Redis/Valkey when named. See core/cache.py.
_cache_url = config.get("AKTENKUNDIG_CACHE_URL").strip()
if _cache_url in {"", "database", "db"}:
    CACHES = {
        "default": {
            "BACKEND": "aktenkundig.core.cache.DatabaseCache",
            "LOCATION": "aktenkundig_cache",
            "OPTIONS": {"MAX_ENTRIES": 100_000},
        }
    }
elif _cache_url.startswith(("redis://", "rediss://", "valkey://", "unix://")):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": _cache_url.replace("valkey://", "redis://", 1),
        }
    }
elif _cache_url == "locmem":
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
else:
    raise ValueError("AKTENKUNDIG_CACHE_URL must be database, locmem or a redis:// URL")

# Embedded mode: uploads are processed (extraction, OCR) in one background thread
# per web worker, never inside the upload request (issue #10, 3).
_background = config.get("AKTENKUNDIG_BACKGROUND_THREAD").strip().lower()
DOCUMENTS_BACKGROUND_THREAD = (
    _tasks_mode == "immediate" if _background == "auto" else config.get_bool(
        "AKTENKUNDIG_BACKGROUND_THREAD")
)

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = config.get("AKTENKUNDIG_LANGUAGE")
LANGUAGES = [("de", _("Deutsch")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Berlin"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
# `aktenkundig serve` fills it (collectstatic); it exists from the start so that
# whitenoise does not warn before the first run.
STATIC_ROOT.mkdir(exist_ok=True)
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": ORIGINALS_DIR},
    },
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700
MAX_UPLOAD_BYTES = config.get_int("AKTENKUNDIG_MAX_UPLOAD_MB") * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# Security defaults. Cookies are HTTPS-only unless running in DEBUG.
_secure_cookies = config.get("AKTENKUNDIG_SECURE_COOKIES")
SECURE_COOKIES = (
    (not DEBUG) if _secure_cookies == "auto" else config.get_bool("AKTENKUNDIG_SECURE_COOKIES")
)
SESSION_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_SECURE = SECURE_COOKIES
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
# A session ends at browser close, after the idle timeout, and in any case after
# one working day (SESSION_COOKIE_AGE); see accounts.middleware.
SESSION_COOKIE_AGE = 10 * 60 * 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_IDLE_TIMEOUT = config.get_int("AKTENKUNDIG_SESSION_IDLE_MINUTES") * 60
X_FRAME_OPTIONS = "DENY"
# Browsers remember to use HTTPS only (sent on HTTPS responses only).
SECURE_HSTS_SECONDS = 365 * 24 * 60 * 60 if SECURE_COOKIES else 0
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {
        "aktenkundig": {"level": "INFO", "propagate": True},
        # One signed line per audit record (governance.anchor): silent unless an
        # operator adds a handler, e.g. SysLogHandler (docs/security.md).
        "aktenkundig.audit.anchor": {"level": "INFO", "handlers": [], "propagate": False},
    },
}

# Content-Security-Policy (django-csp 4): no inline script and no inline style
# anywhere; everything comes from our own origin (HTMX is vendored).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# Accounts: local logins (argon2), optionally OpenID Connect single sign-on.
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "accounts:login"
AUTHENTICATION_BACKENDS = [
    # django-axes first, so that a locked-out client is refused before any hashing.
    "axes.backends.AxesStandaloneBackend",
    # Password spraying across usernames / addresses (accounts.guard).
    "aktenkundig.accounts.guard.SprayGuardBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# The proxy's forwarded address when configured (AKTENKUNDIG_CLIENT_IP_HEADER).
AXES_CLIENT_IP_CALLABLE = "aktenkundig.accounts.guard.client_ip"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_VERBOSE = False

OIDC_ENABLED = bool(
    config.get("AKTENKUNDIG_OIDC_ISSUER") and config.get("AKTENKUNDIG_OIDC_CLIENT_ID")
)
if OIDC_ENABLED:
    _issuer = config.get("AKTENKUNDIG_OIDC_ISSUER").rstrip("/")
    INSTALLED_APPS.append("mozilla_django_oidc")
    AUTHENTICATION_BACKENDS.append("aktenkundig.accounts.oidc.RoleMappingOIDCBackend")
    OIDC_RP_CLIENT_ID = config.get("AKTENKUNDIG_OIDC_CLIENT_ID")
    OIDC_RP_CLIENT_SECRET = config.get("AKTENKUNDIG_OIDC_CLIENT_SECRET")
    OIDC_RP_SIGN_ALGO = "RS256"
    # Keycloak's endpoint layout; other IdPs can override each URL.
    OIDC_OP_AUTHORIZATION_ENDPOINT = config.get("AKTENKUNDIG_OIDC_AUTHORIZATION_URL") or (
        f"{_issuer}/protocol/openid-connect/auth"
    )
    OIDC_OP_TOKEN_ENDPOINT = config.get("AKTENKUNDIG_OIDC_TOKEN_URL") or (
        f"{_issuer}/protocol/openid-connect/token"
    )
    OIDC_OP_USER_ENDPOINT = config.get("AKTENKUNDIG_OIDC_USERINFO_URL") or (
        f"{_issuer}/protocol/openid-connect/userinfo"
    )
    OIDC_OP_JWKS_ENDPOINT = config.get("AKTENKUNDIG_OIDC_JWKS_URL") or (
        f"{_issuer}/protocol/openid-connect/certs"
    )
    OIDC_RP_SCOPES = "openid email profile"
OIDC_ROLE_MAP = config.get("AKTENKUNDIG_OIDC_ROLE_MAP")
OIDC_TENANT = config.get("AKTENKUNDIG_OIDC_TENANT")
OIDC_GROUPS_CLAIM = config.get("AKTENKUNDIG_OIDC_GROUPS_CLAIM")

HISTORY_DEFAULT_RETENTION_DAYS = config.get_int("AKTENKUNDIG_HISTORY_RETENTION_DAYS")
CSRF_FAILURE_VIEW = "aktenkundig.web.views.csrf_failure"
