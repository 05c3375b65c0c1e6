"""Growing past one machine: the read replica's router, Redis sessions, S3 uploads, gunicorn and bench settings.

Settings are read once per process, so each settings case starts ``manage.py`` in a fresh
process (as tests/portal/test_settings.py does); the router is tested directly, with no replica.
"""

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import RequestFactory, override_settings

from approvals.models import Implementation
from departments.models import Department
from evaluations.models import DailyStat
from portal import routers
from portal.models import User

ROOT = Path(__file__).resolve().parents[2]
CLEARED = [
    "DATABASE_URL", "DATABASE_REPLICA_URL", "REDIS_URL", "REDIS_SESSIONS_URL", "REDIS_SECURITY_URL",
    "CELERY_BROKER_URL", "AWS_STORAGE_BUCKET_NAME", "AWS_S3_ENDPOINT_URL", "AWS_S3_REGION_NAME", "PORTAL_BENCH",
    "DJANGO_SETTINGS_MODULE",
]  # fmt: skip

PRINT = (
    "import json; from django.conf import settings as s; print(json.dumps({"
    "'databases': sorted(s.DATABASES), 'replica': s.DATABASES.get('replica', {}).get('NAME'),"
    "'mirror': s.DATABASES.get('replica', {}).get('TEST', {}).get('MIRROR'), 'routers': s.DATABASE_ROUTERS,"
    "'middleware': s.MIDDLEWARE, 'session_engine': s.SESSION_ENGINE,"
    "'session_alias': getattr(s, 'SESSION_CACHE_ALIAS', ''),"
    "'caches': {k: v.get('LOCATION') for k, v in s.CACHES.items()},"
    "'private': s.STORAGES['private'], 'default_storage': s.STORAGES['default'],"
    "'apps': s.INSTALLED_APPS, 'urlconf': s.ROOT_URLCONF}, default=str))"
)  # fmt: skip


def read_settings(**env: str) -> dict:
    environment = {key: value for key, value in os.environ.items() if key not in CLEARED}
    environment.update({"DJANGO_ENV_FILE": "", "DJANGO_DEBUG": "true", **env})
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", PRINT], cwd=ROOT, env=environment, capture_output=True,
        text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


# --- settings ------------------------------------------------------------------------------


def test_one_machine_has_no_replica_database_sessions_and_local_files():
    values = read_settings()
    assert values["databases"] == ["default"]
    assert values["routers"] == []
    assert "portal.routers.ReplicaReadMiddleware" not in values["middleware"]
    assert values["session_engine"] == "django.contrib.sessions.backends.db"
    assert values["private"]["BACKEND"].endswith("FileSystemStorage")
    assert "bench" not in values["apps"] and values["urlconf"] == "portal.urls"


def test_a_replica_url_adds_the_replica_its_router_and_a_test_mirror():
    values = read_settings(
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/portal",
        DATABASE_REPLICA_URL="postgres://postgres@10.0.0.12:5432/portal",
    )
    assert values["databases"] == ["default", "replica"]
    assert values["replica"] == "portal"
    assert values["mirror"] == "default"
    assert values["routers"] == ["portal.routers.ReplicaRouter"]
    assert values["middleware"][-1] == "portal.routers.ReplicaReadMiddleware"


def test_a_malformed_replica_url_stops_start_up_naming_it():
    environment = {key: value for key, value in os.environ.items() if key not in CLEARED}
    environment.update({"DJANGO_ENV_FILE": "", "DJANGO_DEBUG": "true", "DATABASE_REPLICA_URL": "mysql:/x"})
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2
    assert "DATABASE_REPLICA_URL" in result.stderr


def test_sessions_stay_in_the_database_with_redis_and_the_old_sessions_url_is_refused():
    """A Redis outage must lose no session: sessions are never kept in Redis alone."""
    values = read_settings(REDIS_URL="redis://127.0.0.1:6379/1")
    assert values["session_engine"] == "django.contrib.sessions.backends.db"
    assert values["caches"] == {
        "default": "redis://127.0.0.1:6379/1",
        "security": "redis://127.0.0.1:6379/1",  # under its own key prefix until REDIS_SECURITY_URL is set
    }
    environment = {key: value for key, value in os.environ.items() if key not in CLEARED}
    environment.update(
        {"DJANGO_ENV_FILE": "", "DJANGO_DEBUG": "true", "REDIS_SESSIONS_URL": "redis://127.0.0.1:6379/2"}
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=60
    )
    assert result.returncode != 0
    assert "REDIS_SESSIONS_URL is no longer used" in result.stderr


def test_redis_security_url_gives_rate_limits_and_codes_a_redis_of_their_own():
    values = read_settings(REDIS_URL="redis://127.0.0.1:6379/1", REDIS_SECURITY_URL="redis://127.0.0.1:6379/3")
    assert values["caches"]["security"] == "redis://127.0.0.1:6379/3"
    values = read_settings()
    assert values["caches"]["security"] not in {None, values["caches"]["default"]}  # a local memory of its own


def test_a_bucket_puts_uploads_and_blank_forms_on_private_s3_storage():
    values = read_settings(
        AWS_STORAGE_BUCKET_NAME="hall-files", AWS_S3_ENDPOINT_URL="http://minio.internal:9000", AWS_S3_REGION_NAME="cn"
    )
    for storage, location in ((values["private"], "private"), (values["default_storage"], "media")):
        assert storage["BACKEND"] == "storages.backends.s3.S3Storage"
        options = storage["OPTIONS"]
        assert options["bucket_name"] == "hall-files"
        assert options["endpoint_url"] == "http://minio.internal:9000"
        assert options["default_acl"] == "private" and options["querystring_auth"] is True
        assert options["file_overwrite"] is False and options["location"] == location


def test_the_s3_storage_class_loads_with_those_options():
    from storages.backends.s3 import S3Storage

    storage = S3Storage(bucket_name="hall-files", endpoint_url="http://minio.internal:9000", location="private",
                        default_acl="private", file_overwrite=False)  # fmt: skip
    assert storage.bucket_name == "hall-files"
    assert storage.location == "private"


def test_bench_mode_adds_the_bench_app_and_its_urls_only_when_asked():
    values = read_settings(PORTAL_BENCH="true")
    assert "bench" in values["apps"] and values["urlconf"] == "bench.urls"


def test_gunicorn_configuration_reads_the_environment(monkeypatch):
    monkeypatch.setenv("GUNICORN_BIND", "0.0.0.0:9000")
    monkeypatch.setenv("GUNICORN_WORKERS", "7")
    monkeypatch.setenv("GUNICORN_THREADS", "4")
    spec = importlib.util.spec_from_file_location("gunicorn_conf", ROOT / "gunicorn.conf.py")
    conf = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(conf)
    assert (conf.bind, conf.workers, conf.threads, conf.worker_class) == ("0.0.0.0:9000", 7, 4, "gthread")
    monkeypatch.delenv("GUNICORN_WORKERS")
    monkeypatch.delenv("GUNICORN_THREADS")
    spec.loader.exec_module(conf)
    assert conf.workers == (os.cpu_count() or 1) * 2 + 1 and conf.worker_class == "sync"


# --- the router ----------------------------------------------------------------------------


@pytest.fixture
def router():
    with override_settings(DATABASE_ROUTERS=["portal.routers.ReplicaRouter"]):
        yield routers.ReplicaRouter()


def test_rollup_reads_go_to_the_replica_and_writes_to_the_primary(router):
    assert router.db_for_read(DailyStat) == "replica"
    assert router.db_for_write(DailyStat) == "default"


def test_other_reads_stay_on_the_primary_outside_the_supervision_pages(router):
    for model in (Implementation, Department, User):
        assert router.db_for_read(model) is None  # the default database
        assert router.db_for_write(model) == "default"


def test_inside_replica_reads_every_read_goes_to_the_replica_and_writes_still_do_not(router):
    with routers.replica_reads():
        assert router.db_for_read(Department) == "replica"
        assert router.db_for_read(User) == "replica"
        assert router.db_for_write(User) == "default"
    assert router.db_for_read(Department) is None


def test_migrations_run_on_the_primary_only(router):
    assert router.allow_migrate("default", "evaluations", "dailystat")
    assert not router.allow_migrate("replica", "evaluations", "dailystat")
    assert router.allow_relation(DailyStat(), Department())


@pytest.mark.parametrize(
    ("path", "on_replica"),
    [("/supervision/", True), ("/supervision/performance/", True), ("/disclosure/", True), ("/items/", False),
     ("/supervision/lookup/", False), ("/no-such-page/", False)],
)  # fmt: skip
def test_the_middleware_sends_the_supervision_pages_reads_to_the_replica(path, on_replica):
    seen = {}

    def view(request):
        seen["db"] = routers.ReplicaRouter().db_for_read(Department)
        return None

    routers.ReplicaReadMiddleware(view)(RequestFactory().get(path))
    assert seen["db"] == ("replica" if on_replica else None)


def test_querysets_follow_the_router_to_the_replica_alias(router):
    assert DailyStat.objects.all().db == "replica"
    assert DailyStat.objects.select_for_update().db == "default"
    assert Department.objects.all().db == "default"
    with routers.replica_reads():
        assert Department.objects.all().db == "replica"
        assert Department.objects.select_for_update().db == "default"


# --- the supervision dashboard at a city's size -------------------------------------------


def counted_departments(count: int) -> None:
    """Give ``count`` departments a day of counters each (today)."""
    from django.utils import timezone

    from tests.factories import ImplementationFactory

    today = timezone.localdate()
    DailyStat.objects.bulk_create(
        [
            DailyStat(day=today, department=i.department, implementation=i, region=i.region, received=1, accepted=1)
            for i in (ImplementationFactory() for _ in range(count))
        ]
    )


@pytest.fixture
def supervisor_client(client, db):
    from django.core.cache import cache

    from tests.factories import StaffMembershipFactory

    cache.clear()
    client.force_login(StaffMembershipFactory(supervisor=True).user)
    yield client
    cache.clear()


def test_the_dashboard_shows_the_breakdown_fifty_rows_a_page_with_the_city_totals(supervisor_client):
    from django.urls import reverse

    counted_departments(53)
    first = supervisor_client.get(reverse("evaluations:overview"))
    assert len(first.context["rows"]) == 50 and first.context["num_pages"] == 2
    assert first.context["totals"]["received"] == 53  # the totals cover every row, not the page
    second = supervisor_client.get(reverse("evaluations:overview"), {"page": "2"})
    assert len(second.context["rows"]) == 3
    assert not {r["key"] for r in first.context["rows"]} & {r["key"] for r in second.context["rows"]}
    assert "page=2" in first.content.decode()


def test_supervisors_share_the_dashboards_figures_for_supervision_cache_seconds(supervisor_client, settings):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    settings.SUPERVISION_CACHE_SECONDS = 60
    counted_departments(2)
    url = reverse("evaluations:overview")
    with CaptureQueriesContext(connection) as computed:
        first = supervisor_client.get(url)
    counted_departments(1)  # a new fact within the minute ...
    with CaptureQueriesContext(connection) as shared:
        second = supervisor_client.get(url)
    assert first.context["totals"]["received"] == second.context["totals"]["received"] == 2  # ... shows later
    assert not any("evaluations_dailystat" in q["sql"] for q in shared.captured_queries)
    assert any("evaluations_dailystat" in q["sql"] for q in computed.captured_queries)
    settings.SUPERVISION_CACHE_SECONDS = 0
    assert supervisor_client.get(url).context["totals"]["received"] == 3
