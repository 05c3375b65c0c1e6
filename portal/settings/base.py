"""Settings for every environment, read from the process environment.

Every variable is documented in the README. A missing or malformed required value
stops start-up with one sentence naming it (see ``portal.config``).
"""

from pathlib import Path

from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

from portal.config import (
    ConfigError,
    env_bool,
    env_broker_url,
    env_database,
    env_email_settings,
    env_list,
    env_redis_cache,
    env_str,
    read_env_file,
)

BASE_DIR = Path(__file__).resolve().parent.parent.parent
read_env_file(BASE_DIR / ".env")

DEBUG = env_bool("DJANGO_DEBUG", default=False)

SECRET_KEY = env_str("DJANGO_SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ConfigError("DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off.")
    SECRET_KEY = "insecure-development-key-only-for-DJANGO_DEBUG-on"  # noqa: S105
elif len(SECRET_KEY) < 32 and not DEBUG:
    raise ConfigError("DJANGO_SECRET_KEY must be at least 32 characters long.")

# Key for personal numbers at rest (encryption and the keyed look-up hash). Defaults to
# one derived from SECRET_KEY; production sets its own so the secret key can rotate.
PII_KEY = env_str("DJANGO_PII_KEY", default="") or SECRET_KEY

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else [])
if not DEBUG and not ALLOWED_HOSTS:
    raise ConfigError("DJANGO_ALLOWED_HOSTS must list this site's host names when DJANGO_DEBUG is off.")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "portal",
    "departments",
    "approvals",
    "evaluations",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "simple_history",
    "import_export",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "portal.middleware.LanguageCookieMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"
ASGI_APPLICATION = "portal.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "portal.context_processors.navigation",
            ],
        },
    },
]

DATABASES = {"default": env_database("DATABASE_URL", sqlite_path=BASE_DIR / "var" / "portal.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "portal.User"
AUTHENTICATION_BACKENDS = ["portal.backends.MobileOrUsernameBackend"]
LOGIN_URL = "portal:login"
LOGIN_REDIRECT_URL = "portal:me"
LOGOUT_REDIRECT_URL = "portal:home"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "var" / "staticfiles"
MEDIA_ROOT = Path(env_str("DJANGO_MEDIA_ROOT", default=str(BASE_DIR / "var" / "media")))
MEDIA_URL = "media/"
# Applicants' files: outside MEDIA_ROOT and the static tree, served only by permission-checked views.
PRIVATE_MEDIA_ROOT = Path(env_str("DJANGO_PRIVATE_MEDIA_ROOT", default=str(BASE_DIR / "var" / "private")))
UPLOAD_MAX_BYTES = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "private": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": PRIVATE_MEDIA_ROOT, "base_url": None},
    },
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

CACHES = env_redis_cache("REDIS_URL")

# EMAIL_BACKEND, EMAIL_HOST, EMAIL_PORT, ... from one URL (smtp://user:pass@host:587, consolemail://).
globals().update(env_email_settings("EMAIL_URL"))
DEFAULT_FROM_EMAIL = env_str("DJANGO_DEFAULT_FROM_EMAIL", default="noreply@hall.example.gov.cn")

# An import with one bad row imports nothing (django-import-export).
IMPORT_EXPORT_USE_TRANSACTIONS = True
IMPORT_EXPORT_SKIP_ADMIN_LOG = False

# Anonymous catalogue and guide pages are cached this long (invalidated on any catalogue change).
CATALOGUE_CACHE_SECONDS = 600

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Celery. Without a broker, tasks run in-process; ``notify`` publishes on commit either way.
_broker = env_broker_url("CELERY_BROKER_URL")
CELERY_BROKER_URL = _broker or "memory://"
CELERY_TASK_ALWAYS_EAGER = not _broker
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A publish must not hang a web request when the broker is down: the outbox sweep re-sends.
CELERY_BROKER_TRANSPORT_OPTIONS = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2}
CELERY_BEAT_SCHEDULE = {
    "outbox-sweep": {
        "task": "portal.tasks.outbox_sweep",
        "schedule": 60.0,
    },
    "cases-mark-overdue": {
        "task": "approvals.tasks.cases_mark_overdue",
        "schedule": crontab(minute=5),
    },
    "licences-remind-expiring": {
        "task": "approvals.tasks.licences_remind_expiring",
        "schedule": crontab(hour=9, minute=0),
    },
    "ratings-remind": {
        "task": "evaluations.tasks.ratings_remind",
        "schedule": crontab(hour=10, minute=0),
    },
    "rectifications-mark-overdue": {
        "task": "evaluations.tasks.rectifications_mark_overdue",
        "schedule": crontab(minute=15),
    },
    "outbox-purge-delivered": {
        "task": "portal.tasks.outbox_purge",
        "schedule": crontab(hour=3, minute=30),
    },
}
# Rows still pending after this many seconds are published again by the sweep.
OUTBOX_SWEEP_AFTER_SECONDS = 60
OUTBOX_KEEP_DELIVERED_DAYS = 180

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("DJANGO_LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # One line per in-process task drowns everything else; failures still log at ERROR.
        "celery.app.trace": {"level": "WARNING"},
        "kombu.connection": {"level": "ERROR"},
    },
}

PORTAL_NAME = _("Chongqing Online Administrative Approval Hall")

# Where text messages go: a class with ``send(*, mobile, text)`` (see portal/sms.py). The
# console backend only logs them; production names its SMS gateway's backend here.
SMS_BACKEND = env_str("SMS_BACKEND", default="portal.sms.ConsoleBackend")
