"""Settings read from the environment: defaults, the services they switch on, and clear start-up errors.

Each case starts ``manage.py`` in a fresh process, since settings are read once per process.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SERVICE_VARIABLES = [
    "DATABASE_URL", "CELERY_BROKER_URL", "REDIS_URL", "EMAIL_URL", "DJANGO_SECRET_KEY", "DJANGO_DEBUG",
    "DJANGO_PII_KEY", "DJANGO_PII_OLD_KEYS", "PORTAL_BASE_URL",
]  # fmt: skip
# What a production start needs besides the secret key and the hosts.
PRODUCTION = {"DJANGO_PII_KEY": "p" * 40, "PORTAL_BASE_URL": "https://hall.example.gov.cn"}
DEBUG_OFF = {"DJANGO_DEBUG": "false", "DJANGO_SECRET_KEY": "x" * 50, "DJANGO_ALLOWED_HOSTS": "a.example"}

PRINT_SETTINGS = (
    "import json; from django.conf import settings as s; print(json.dumps({"
    "'engine': s.DATABASES['default']['ENGINE'], 'name': str(s.DATABASES['default']['NAME']),"
    "'eager': s.CELERY_TASK_ALWAYS_EAGER, 'broker': s.CELERY_BROKER_URL,"
    "'cache': s.CACHES['default']['BACKEND'], 'tz': s.TIME_ZONE, 'lang': s.LANGUAGE_CODE,"
    "'languages': [code for code, _ in s.LANGUAGES], 'email': s.EMAIL_BACKEND, 'debug': s.DEBUG,"
    "'hosts': s.ALLOWED_HOSTS}))"
)


def run_manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    environment = {key: value for key, value in os.environ.items() if key not in SERVICE_VARIABLES}
    environment.pop("DJANGO_SETTINGS_MODULE", None)
    environment["DJANGO_ENV_FILE"] = ""  # a developer's .env must not change what these tests see
    environment.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=60
    )


def read_settings(**env: str) -> dict:
    result = run_manage("shell", "-c", PRINT_SETTINGS, **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_embedded_defaults_use_sqlite_in_var_and_in_process_tasks():
    values = read_settings(DJANGO_DEBUG="true")
    assert values["engine"] == "django.db.backends.sqlite3"
    assert Path(values["name"]).parent == ROOT / "var"
    assert values["eager"] is True
    assert values["cache"].endswith("LocMemCache")
    assert values["tz"] == "Asia/Shanghai"
    assert values["lang"] == "zh-hans"
    assert values["languages"] == ["zh-hans", "en"]
    assert values["email"].endswith("console.EmailBackend")


def test_service_urls_switch_on_postgres_redis_and_the_broker():
    values = read_settings(
        DJANGO_DEBUG="true",
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/portal",
        CELERY_BROKER_URL="redis://127.0.0.1:6379/0",
        REDIS_URL="redis://127.0.0.1:6379/1",
        EMAIL_URL="smtp://mailer:secret@smtp.example.com:587",
    )
    assert values["engine"] == "django.db.backends.postgresql"
    assert values["name"] == "portal"
    assert values["eager"] is False
    assert values["broker"] == "redis://127.0.0.1:6379/0"
    assert values["cache"].endswith("RedisCache")
    assert values["email"].endswith("smtp.EmailBackend")


def test_production_mode_reads_secret_and_hosts():
    values = read_settings(
        DJANGO_DEBUG="false", DJANGO_SECRET_KEY="x" * 50, DJANGO_ALLOWED_HOSTS="hall.example.gov.cn,www.example.gov.cn",
        **PRODUCTION,
    )  # fmt: skip
    assert values["debug"] is False
    assert values["hosts"] == ["hall.example.gov.cn", "www.example.gov.cn"]


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({"DJANGO_DEBUG": "false"}, "DJANGO_SECRET_KEY"),
        ({"DJANGO_DEBUG": "false", "DJANGO_SECRET_KEY": "short"}, "DJANGO_SECRET_KEY"),
        ({"DJANGO_DEBUG": "maybe"}, "DJANGO_DEBUG"),
        (
            {"DJANGO_DEBUG": "false", "DJANGO_SECRET_KEY": "x" * 50, "DJANGO_ALLOWED_HOSTS": "", **PRODUCTION},
            "DJANGO_ALLOWED_HOSTS",
        ),
        ({**DEBUG_OFF, "PORTAL_BASE_URL": "https://a.example"}, "DJANGO_PII_KEY"),
        ({**DEBUG_OFF, "PORTAL_BASE_URL": "https://a.example", "DJANGO_PII_KEY": "x" * 50}, "DJANGO_PII_KEY"),
        ({**DEBUG_OFF, "DJANGO_PII_KEY": "p" * 40}, "PORTAL_BASE_URL"),
        ({**DEBUG_OFF, "DJANGO_PII_KEY": "p" * 40, "PORTAL_BASE_URL": "a.example"}, "PORTAL_BASE_URL"),
        ({"DJANGO_DEBUG": "true", "DATABASE_URL": "mongodb://127.0.0.1/portal"}, "DATABASE_URL"),
        ({"DJANGO_DEBUG": "true", "DATABASE_URL": "postgres://127.0.0.1:5432/"}, "DATABASE_URL"),
        ({"DJANGO_DEBUG": "true", "CELERY_BROKER_URL": "http://127.0.0.1:6379"}, "CELERY_BROKER_URL"),
        ({"DJANGO_DEBUG": "true", "REDIS_URL": "127.0.0.1:6379"}, "REDIS_URL"),
        ({"DJANGO_DEBUG": "true", "EMAIL_URL": "carrier-pigeon://loft"}, "EMAIL_URL"),
    ],
)
def test_a_wrong_or_missing_value_stops_start_up_with_one_sentence(env, variable):
    result = run_manage("check", **env)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Configuration error: ")
    assert variable in lines[0]
    assert "Traceback" not in result.stderr


def test_a_developer_env_file_fills_unset_variables_only(tmp_path):
    env_file = tmp_path / "dev.env"
    env_file.write_text("DJANGO_DEBUG=true\nREDIS_URL=redis://127.0.0.1:6379/3\n")
    values = read_settings(DJANGO_ENV_FILE=str(env_file))
    assert values["debug"] is True and values["cache"].endswith("RedisCache")
    values = read_settings(DJANGO_ENV_FILE=str(env_file), DJANGO_DEBUG="false", DJANGO_SECRET_KEY="x" * 50,
                           DJANGO_ALLOWED_HOSTS="a.example", **PRODUCTION)  # fmt: skip
    assert values["debug"] is False
