"""Settings for every environment, read from the process environment.

Every variable is documented in the README. A missing or malformed required value
stops start-up with one sentence naming it (see ``portal.config``).
"""

from datetime import timedelta
from pathlib import Path

from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

from portal.config import (
    ConfigError,
    env_bool,
    env_broker_url,
    env_database,
    env_email_settings,
    env_int,
    env_list,
    env_networks,
    env_redis_cache,
    env_security_cache,
    env_site_url,
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

# Key for personal numbers at rest (encryption and the keyed look-up hash, portal/crypto.py).
# With DEBUG off it must be set, and be its own: SECRET_KEY can then rotate without it, and a
# leaked SECRET_KEY does not open the numbers. DJANGO_PII_OLD_KEYS lists earlier keys, still
# tried for decryption and look-up until ``manage.py pii_rotate`` has re-encrypted every number.
PII_KEY = env_str("DJANGO_PII_KEY", default="")
if not PII_KEY:
    if not DEBUG:
        raise ConfigError("DJANGO_PII_KEY must be set when DJANGO_DEBUG is off; it encrypts the personal numbers.")
    PII_KEY = SECRET_KEY
elif not DEBUG and (len(PII_KEY) < 32 or PII_KEY == SECRET_KEY):
    raise ConfigError("DJANGO_PII_KEY must be at least 32 characters long and differ from DJANGO_SECRET_KEY.")
PII_OLD_KEYS = env_list("DJANGO_PII_OLD_KEYS", default=[])

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else [])
if not DEBUG and not ALLOWED_HOSTS:
    raise ConfigError("DJANGO_ALLOWED_HOSTS must list this site's host names when DJANGO_DEBUG is off.")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])
# Reverse proxies whose X-Forwarded-For is believed (addresses or CIDR networks); empty: none,
# and the client's address is the direct peer's (portal/addresses.py).
TRUSTED_PROXIES = env_networks("TRUSTED_PROXIES")

INSTALLED_APPS = [
    "portal",
    "departments",
    "approvals",
    "evaluations",
    "exchange",
    "hall",
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
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "csp",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Control characters in the path, the query or a form are refused here (portal/boundary.py).
    "portal.boundary.InputBoundaryMiddleware",
    # Before sessions: answers cached pages to visitors without a session (portal/cache.py).
    "portal.cache.AnonymousPageCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "portal.middleware.LanguageCookieMiddleware",
    # A security check whose store is unreachable is refused with a page that says so.
    "portal.middleware.CacheUnavailableMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "hall.two_factor.TwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # A form sent after the session ended: the log-in page says it was not received.
    "portal.middleware.SessionEndedPostMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "portal.middleware.SessionLimitsMiddleware",
    "portal.middleware.AuditMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: it turns a lock-out into the 429 page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"
ASGI_APPLICATION = "portal.asgi.application"

# The demo city (``seed_demo`` and its data, demo/) is installed only for development
# (DEBUG) or when DEMO_DATA is set; a production installation never has it.
if DEBUG or env_bool("DEMO_DATA", default=False):
    INSTALLED_APPS.append("demo")

# Benchmark mode (``make bench``, docs/benchmarks.md): the data generator and two baseline
# views under /bench/. Never set in production.
if env_bool("PORTAL_BENCH", default=False):
    INSTALLED_APPS.append("bench")
    ROOT_URLCONF = "bench.urls"

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
                "hall.context_processors.navigation",
            ],
        },
    },
]

DATABASES = {"default": env_database("DATABASE_URL", sqlite_path=BASE_DIR / "var" / "portal.sqlite3")}
# A read replica (PostgreSQL streaming replication): the supervision dashboard and
# disclosure pages, and every read of the DailyStat store, go there (portal/routers.py);
# everything else, and every write, stays on the primary. Tests mirror it onto default.
if env_str("DATABASE_REPLICA_URL", default=""):
    DATABASES["replica"] = {
        **env_database("DATABASE_REPLICA_URL", sqlite_path=BASE_DIR / "var" / "portal.sqlite3"),
        "TEST": {"MIRROR": "default"},
    }
    DATABASE_ROUTERS = ["portal.routers.ReplicaRouter"]
    MIDDLEWARE.append("portal.routers.ReplicaReadMiddleware")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "portal.User"
# django-axes first: it refuses a locked-out username and address before the password is checked.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "portal.backends.MobileOrUsernameBackend"]
LOGIN_URL = "portal:login"
LOGIN_REDIRECT_URL = "portal:me"
LOGOUT_REDIRECT_URL = "portal:home"
PASSWORD_MIN_LENGTH = env_int("PASSWORD_MIN_LENGTH", default=8, minimum=8)
# MLPS (等保) mode: a password also needs three of the four character classes.
PASSWORD_MLPS_MODE = env_bool("PASSWORD_MLPS_MODE", default=False)
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": PASSWORD_MIN_LENGTH},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if PASSWORD_MLPS_MODE:
    AUTH_PASSWORD_VALIDATORS.append(
        {"NAME": "portal.validators.CharacterClassesValidator", "OPTIONS": {"min_classes": 3}}
    )

# Log-in lock-out (django-axes): after AXES_FAILURE_LIMIT failures for one username from one
# address, that pair is locked for AXES_COOLOFF_TIME; others, and that user from elsewhere,
# are not, so nobody can lock another person out for good.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", default=5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", default=15, minimum=1))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_HTTP_RESPONSE_CODE = 429
AXES_LOCKOUT_CALLABLE = "hall.views.lockout"
AXES_USERNAME_FORM_FIELD = "username"
AXES_VERBOSE = False
# Every spelling of a mobile number counts against one account; the address is the client's,
# not the proxy's. Attempts and lock-outs are rows in the database (the default handler), so
# no cache eviction or clearing forgets them.
AXES_USERNAME_CALLABLE = "portal.backends.axes_username"
AXES_CLIENT_IP_CALLABLE = "portal.addresses.client_ip"

# Sessions: 30 idle minutes end a session (the expiry moves with each request), and none
# lives longer than SESSION_ABSOLUTE_SECONDS after log-in, however active.
SESSION_COOKIE_AGE = env_int("SESSION_IDLE_SECONDS", default=30 * 60, minimum=60)
SESSION_SAVE_EVERY_REQUEST = True
SESSION_ABSOLUTE_SECONDS = env_int("SESSION_ABSOLUTE_SECONDS", default=12 * 3600, minimum=300)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
# A form posted without a valid token gets a page that says what happened, not a bare 403.
CSRF_FAILURE_VIEW = "hall.views.csrf_failure"
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# Content Security Policy (django-csp): scripts, styles and everything else from this
# site only; no inline script or style anywhere.
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

# Questions and complaints one person may send per window (/ask/).
ASK_RATE_LIMIT = env_int("ASK_RATE_LIMIT", default=10, minimum=1)
ASK_RATE_WINDOW = 3600
# Applying (every post of the application form, which may carry files): per person and hour.
APPLY_RATE_LIMIT = env_int("APPLY_RATE_LIMIT", default=20, minimum=1)
APPLY_RATE_WINDOW = 3600

# Two-factor log-in (TOTP) for staff, supervisors and admins (hall/two_factor.py).
STAFF_2FA_REQUIRED = env_bool("STAFF_2FA_REQUIRED", default=True)
OTP_TOTP_ISSUER = "重庆网上行政审批大厅"
OTP_TOTP_THROTTLE_FACTOR = 1
OTP_STATIC_THROTTLE_FACTOR = 1
# The admin never shows a TOTP secret or a recovery code (hall/two_factor.py shows codes once).
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

# The audit log keeps at least this long; the purge command refuses less.
AUDIT_KEEP_DAYS = env_int("AUDIT_KEEP_DAYS", default=180, minimum=180)

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
# A request may carry several files; one announcing more than this is refused unread.
UPLOAD_REQUEST_MAX_BYTES = 60 * 1024 * 1024
FILE_UPLOAD_HANDLERS = [
    "approvals.uploads.SizeLimitUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
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
# Uploads on S3-compatible object storage (django-storages) once a bucket is named, so that
# every app host sees every file: applicants' files under private/, blank forms under media/,
# both private to the bucket and served only through the portal's views. Credentials come
# from the standard AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or the host's role).
AWS_STORAGE_BUCKET_NAME = env_str("AWS_STORAGE_BUCKET_NAME", default="")
if AWS_STORAGE_BUCKET_NAME:
    _s3 = {
        "bucket_name": AWS_STORAGE_BUCKET_NAME,
        "endpoint_url": env_str("AWS_S3_ENDPOINT_URL", default="") or None,
        "region_name": env_str("AWS_S3_REGION_NAME", default="") or None,
        "default_acl": "private",
        "querystring_auth": True,
        "file_overwrite": False,
    }
    STORAGES["default"] = {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": {**_s3, "location": "media"}}
    STORAGES["private"] = {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": {**_s3, "location": "private"}}

CACHES = env_redis_cache("REDIS_URL")
# Rate limits, SMS codes and cool-downs (portal/ratelimit.py): a Redis of their own with
# maxmemory-policy noeviction (REDIS_SECURITY_URL), else REDIS_URL under its own prefix.
CACHES["security"] = env_security_cache("REDIS_SECURITY_URL", fallback="REDIS_URL")
# Sessions stay in the database (Django's default engine), never in Redis alone: a Redis that
# stops, evicts or is flushed then logs nobody out and throws away no application in the middle
# of being sent. A cache in front (cached_db) is not used either: a logout or a password change
# whose cache delete failed during an outage would leave the old session readable in the cache
# once Redis returned. Reading a session is one primary-key look-up.
SESSION_ENGINE = "django.contrib.sessions.backends.db"
if env_str("REDIS_SESSIONS_URL", default=""):
    raise ConfigError(
        "REDIS_SESSIONS_URL is no longer used: sessions are kept in the database so that a Redis outage "
        "loses none. Remove it (see docs/deploy.md)."
    )

# EMAIL_BACKEND, EMAIL_HOST, EMAIL_PORT, ... from one URL (smtp://user:pass@host:587, consolemail://).
globals().update(env_email_settings("EMAIL_URL"))
DEFAULT_FROM_EMAIL = env_str("DJANGO_DEFAULT_FROM_EMAIL", default="noreply@hall.example.gov.cn")

# An import with one bad row imports nothing (django-import-export).
IMPORT_EXPORT_USE_TRANSACTIONS = True
IMPORT_EXPORT_SKIP_ADMIN_LOG = False

# Anonymous catalogue and guide pages are cached this long (invalidated on any catalogue change).
CATALOGUE_CACHE_SECONDS = 600
# The supervision dashboard's figures are computed at most once this often per view and period
# (0: on every request); the page says when they were computed.
SUPERVISION_CACHE_SECONDS = env_int("SUPERVISION_CACHE_SECONDS", default=60)

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
# A task a worker took but never acknowledged (the worker died) goes back to the queue
# after the visibility timeout; the outbox sweep usually delivers the row long before.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", default=3600, minimum=1),
    # A consumer whose connection was cut without its noticing reconnects within
    # about 1 + 2 × this many seconds.
    "health_check_interval": env_int("CELERY_BROKER_HEALTH_CHECK_INTERVAL", default=10, minimum=1),
}
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
    "supervision-digest": {
        "task": "evaluations.tasks.supervision_digest",
        "schedule": crontab(hour=7, minute=30),
    },
    "outbox-purge-delivered": {
        "task": "portal.tasks.outbox_purge",
        "schedule": crontab(hour=3, minute=30),
    },
    "exchange-purge": {
        "task": "exchange.tasks.exchange_purge_old",
        "schedule": crontab(hour=3, minute=45),
    },
    "case-files-purge-unreferenced": {
        "task": "approvals.tasks.case_files_purge_unreferenced",
        "schedule": crontab(hour=4, minute=15),
    },
}
# The outbox's recovery (portal.services.outbox_recover), run by every worker every
# OUTBOX_WORKER_SWEEP_SECONDS (0: only beat's minute) and by beat: it publishes rows never
# published, rows published OUTBOX_SWEEP_AFTER_SECONDS ago and still pending, and rows whose
# delivery lease (OUTBOX_LEASE_SECONDS) ran out because their worker died. A gateway call must
# give up well within the lease (SMS_TIMEOUT_SECONDS).
OUTBOX_SWEEP_AFTER_SECONDS = env_int("OUTBOX_SWEEP_AFTER_SECONDS", default=60)
OUTBOX_WORKER_SWEEP_SECONDS = env_int("OUTBOX_WORKER_SWEEP_SECONDS", default=5, minimum=0)
OUTBOX_LEASE_SECONDS = env_int("OUTBOX_LEASE_SECONDS", default=20, minimum=5)
# An e-mail or SMS whose sending was interrupted (the process died after handing it over) is
# sent again only if its gateway says it never got it. When the gateway cannot be asked: SMS is
# not resent (a text twice is worse than an admin's look at the failed row), e-mail is (a
# stable Message-ID lets mail clients fold the copy).
SMS_RESEND_UNCONFIRMED = env_bool("SMS_RESEND_UNCONFIRMED", default=False)
EMAIL_RESEND_UNCONFIRMED = env_bool("EMAIL_RESEND_UNCONFIRMED", default=True)
SMS_TIMEOUT_SECONDS = env_int("SMS_TIMEOUT_SECONDS", default=10, minimum=1)
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

# Where text messages go: a class with ``send(*, mobile, text, reference)`` and
# ``status(*, reference)`` (see portal/sms.py). The console backend only logs them; the file
# backend is a gateway every process shares (SMS_FILE_PATH); production names its gateway's.
SMS_BACKEND = env_str("SMS_BACKEND", default="portal.sms.ConsoleBackend")
SMS_FILE_PATH = env_str("SMS_FILE_PATH", default=str(BASE_DIR / "var" / "sms-gateway.jsonl"))
# The signature in front of every text message (required by Chinese SMS gateways).
SMS_SIGNATURE = env_str("SMS_SIGNATURE", default="重庆网上办事大厅")

# The address the portal is reached at, for links in e-mails and text messages. With DEBUG off
# there is no default: a link to 127.0.0.1 in a citizen's e-mail is worse than not starting.
PORTAL_BASE_URL = env_site_url("PORTAL_BASE_URL", default="http://127.0.0.1:8000" if DEBUG else "")
# The domain part of notification e-mails' Message-ID (stable per notification).
NOTIFICATION_MESSAGE_ID_DOMAIN = env_str("NOTIFICATION_MESSAGE_ID_DOMAIN", default="hall.example.gov.cn")

# The exchange API for departments' business systems (exchange app, docs/api.md).
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["exchange.auth.ApiKeyAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["exchange.auth.IsBusinessSystem"],
    "DEFAULT_THROTTLE_CLASSES": ["exchange.auth.SystemRateThrottle"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["exchange.parsers.BoundedJSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "exchange.errors.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Approval hall data exchange API",
    "DESCRIPTION": "For departments' own business systems: cases, transitions, data sharing and licences.",
    "VERSION": "1.0.0",
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_AUTHENTICATION": [],
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {"CaseStateEnum": "approvals.models.Case.State"},
}
# Calls per system and period unless the system has its own limit; keys' default lifetime.
EXCHANGE_RATE = env_str("EXCHANGE_RATE", default="600/min")
_calls, _slash, _period = EXCHANGE_RATE.partition("/")
if not (_calls.isascii() and _calls.isdigit() and int(_calls) > 0) or _period not in {"s", "min", "h", "day"}:
    raise ConfigError("EXCHANGE_RATE must be a number of calls per s, min, h or day, e.g. 600/min.")
EXCHANGE_KEY_DAYS = 365
# Idempotency records are kept this long (a repeat after that is a new request); the call log longer.
EXCHANGE_IDEMPOTENCY_DAYS = 7
EXCHANGE_LOG_KEEP_DAYS = 365
