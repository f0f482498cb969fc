"""Django settings. Operators never edit this file: see ``aktenkundig/config.py``."""

from __future__ import annotations

import secrets
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

from aktenkundig import config

BASE_DIR = Path(__file__).resolve().parent
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
    "aktenkundig.core",
    "aktenkundig.documents",
    "aktenkundig.search",
    "aktenkundig.privacy",
    "aktenkundig.llm",
    "aktenkundig.assistant",
    "aktenkundig.governance",
    "aktenkundig.accounts",
    "aktenkundig.citizen",
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
]

ROOT_URLCONF = "aktenkundig.urls"
WSGI_APPLICATION = "aktenkundig.wsgi.application"

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
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": ORIGINALS_DIR},
    },
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
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
SESSION_COOKIE_AGE = 8 * 60 * 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {"aktenkundig": {"level": "INFO", "propagate": True}},
}
