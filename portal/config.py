"""Read settings from the environment, failing with one sentence that names the variable.

django-environ does the parsing; these helpers add the validation and the messages.
``manage.py``, ``wsgi.py``, ``asgi.py`` and ``celery.py`` print a ``ConfigError`` as a
single line instead of a traceback.
"""

import ipaddress
import os
import sys
from pathlib import Path
from urllib.parse import urlsplit

import environ
from django.core.exceptions import ImproperlyConfigured

_env = environ.Env()


def read_env_file(path: Path) -> None:
    """Load ``KEY=value`` lines from a developer's env file; variables already set win.

    ``make install`` writes ``.env`` with ``DJANGO_DEBUG=true`` for a development checkout;
    ``DJANGO_ENV_FILE`` points elsewhere, and an empty value turns the file off.
    """
    chosen = os.environ.get("DJANGO_ENV_FILE")
    target = Path(chosen) if chosen else path
    if chosen == "" or not target.is_file():
        return
    environ.Env.read_env(str(target), overwrite=False)


TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off", ""}
DATABASE_SCHEMES = {"postgres", "postgresql", "pgsql", "psql", "sqlite"}
BROKER_SCHEMES = {"redis", "rediss", "amqp", "amqps", "pyamqp", "memory"}
REDIS_SCHEMES = {"redis", "rediss", "unix"}
EMAIL_SCHEMES = {"smtp", "smtps", "smtp+tls", "smtp+ssl", "consolemail", "filemail", "memorymail", "dummymail"}


class ConfigError(ImproperlyConfigured):
    """A setting read from the environment is missing or malformed."""


def exit_on_config_error(func):
    """Run ``func`` and turn a ``ConfigError`` into a one-line message and exit status 2."""
    try:
        return func()
    except ConfigError as exc:
        sys.stderr.write(f"Configuration error: {exc}\n")
        raise SystemExit(2) from None


def env_str(name: str, *, default: str) -> str:
    return os.environ.get(name, default).strip()


def env_bool(name: str, *, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    word = raw.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ConfigError(f"{name} must be true or false (1/0, yes/no, on/off), not {raw!r}.")


def env_int(name: str, *, default: int, minimum: int = 0) -> int:
    raw = os.environ.get(name)
    if raw is None:
        return default
    try:
        value = int(raw.strip())
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, not {raw!r}.") from None
    if value < minimum:
        raise ConfigError(f"{name} must be at least {minimum}, not {value}.")
    return value


def env_list(name: str, *, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return list(default)
    return [part.strip() for part in raw.split(",") if part.strip()]


def _scheme(name: str, url: str, allowed: set[str], example: str) -> str:
    scheme = urlsplit(url).scheme.lower()
    if scheme not in allowed:
        raise ConfigError(f"{name} must be a URL such as {example}, not {url!r}.")
    return scheme


def env_site_url(name: str, *, default: str) -> str:
    """Return the site's own address (``https://host``, no trailing slash); an empty default makes it required."""
    url = env_str(name, default=default).rstrip("/")
    if not url:
        raise ConfigError(f"{name} must be set when DJANGO_DEBUG is off, e.g. https://hall.example.gov.cn.")
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        raise ConfigError(f"{name} must be an address such as https://hall.example.gov.cn, not {url!r}.")
    return url


def env_database(name: str, *, sqlite_path: Path) -> dict:
    """Return the default database from ``name``, or a SQLite file when it is unset."""
    url = env_str(name, default="")
    if not url:
        sqlite_path.parent.mkdir(parents=True, exist_ok=True)
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": sqlite_path,
            "OPTIONS": {"transaction_mode": "IMMEDIATE", "timeout": 20},
        }
    _scheme(name, url, DATABASE_SCHEMES, "postgres://user@127.0.0.1:5432/portal")
    try:
        config = _env.db_url_config(url)
    except (ImproperlyConfigured, ValueError) as exc:
        raise ConfigError(f"{name} is not a valid database URL ({exc}).") from None
    if config["ENGINE"] != "django.db.backends.sqlite3" and not config.get("NAME"):
        raise ConfigError(f"{name} must name the database, e.g. postgres://user@127.0.0.1:5432/portal.")
    config.setdefault("CONN_MAX_AGE", 60)
    config["CONN_HEALTH_CHECKS"] = True
    config["ATOMIC_REQUESTS"] = False
    return config


def env_broker_url(name: str) -> str:
    """Return the Celery broker URL, or an empty string when unset (tasks then run in-process)."""
    url = env_str(name, default="")
    if url:
        _scheme(name, url, BROKER_SCHEMES, "redis://127.0.0.1:6379/0")
    return url


def env_redis_cache(name: str) -> dict:
    """Return CACHES: Redis when ``name`` is set, else local memory."""
    url = env_str(name, default="")
    if not url:
        return {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "portal"}}
    _scheme(name, url, REDIS_SCHEMES, "redis://127.0.0.1:6379/1")
    return {
        "default": {
            # A miss, not a 500, while Redis is unreachable (portal/cache_backend.py).
            "BACKEND": "portal.cache_backend.ResilientRedisCache",
            "LOCATION": url,
            "KEY_PREFIX": "portal",
        }
    }


def env_security_cache(name: str, *, fallback: str) -> dict:
    """Return the cache of security state (rate limits, verification codes, cool-downs).

    Redis at ``name``; unset, the Redis at ``fallback`` under a key prefix of its own; neither
    set, a local-memory cache apart from the default one. Its Redis must not evict keys.
    """
    url = env_str(name, default="")
    if url:
        _scheme(name, url, REDIS_SCHEMES, "redis://127.0.0.1:6379/3")
    else:
        url = env_str(fallback, default="")
    if not url:
        return {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "portal-security"}
    # Refuses, rather than reading a counter as zero, while Redis is unreachable (portal/cache_backend.py).
    return {"BACKEND": "portal.cache_backend.FailClosedRedisCache", "LOCATION": url, "KEY_PREFIX": "portal-security"}


def env_networks(name: str) -> list[str]:
    """Return a comma-separated list of IP addresses or CIDR networks, each checked; empty when unset."""
    entries = env_list(name, default=[])
    for entry in entries:
        try:
            ipaddress.ip_network(entry, strict=False)
        except ValueError:
            raise ConfigError(
                f"{name} must list IP addresses or networks such as 10.0.0.5,10.0.1.0/24, not {entry!r}."
            ) from None
    return entries


def env_email_settings(name: str) -> dict:
    """Return the EMAIL_* settings from one URL; the console backend when unset."""
    url = env_str(name, default="")
    if not url:
        return {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}
    _scheme(name, url, EMAIL_SCHEMES, "smtp://user:password@smtp.example.com:587 or consolemail://")
    config = _env.email_url_config(url)
    return {key: value for key, value in config.items() if key.startswith("EMAIL_")}
