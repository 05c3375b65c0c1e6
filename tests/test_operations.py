"""Failures rehearsed as an operator would meet them: real processes, shipped settings, counts from the database.

Each test runs the hall as it is deployed, on processes of its own: a ``redis-server`` (cache and
broker), gunicorn from ``gunicorn.conf.py`` on the shipped settings (``portal.settings.base``,
DEBUG off, no outbox setting shortened), ``celery worker`` and, where the scenario has one,
``celery beat``. Text messages go to the file gateway (``portal.sms.FileBackend``), which every
process shares, so the test can count what it accepted. Parts are killed with SIGKILL.

Every scenario ends with the same four checks:
- cases saved = submissions answered 302;
- messages in the message centre = notifications;
- texts the gateway accepted = SMS deliveries marked sent, none twice;
- no page answered 5xx.

The figures (how long recovery took) are printed; the README's "When a part fails" quotes them.
"""

import os
import re
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import requests
from django.conf import settings
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import connection

from approvals.models import Case
from approvals.services import cases as case_services
from portal import sms
from portal.models import Delivery, Message, Notification
from tests.approvals.workflow_helpers import World
from tests.factories import pdf_upload
from tests.processes import RedisServer, database_url, free_port, stop, wait_for

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "operations-pass-123"

pytestmark = [
    pytest.mark.operations,
    pytest.mark.skipif(not os.environ.get("CELERY_BROKER_URL"), reason="CELERY_BROKER_URL is not set (CI sets it)"),
]


class Hall:
    """The processes of one deployment: Redis, gunicorn, workers and beat, all stopped afterwards."""

    def __init__(self, tmp: Path):
        if connection.vendor != "postgresql":
            pytest.skip("processes share the database only on PostgreSQL")
        self.tmp = tmp
        self.redis = RedisServer()
        self.port = free_port()
        self.gateway = sms.FileBackend(str(tmp / "sms-gateway.jsonl"))
        self.processes: dict[str, subprocess.Popen] = {}
        self.logs: list[Path] = []
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(_OURS)},
            "DJANGO_SETTINGS_MODULE": "portal.settings.base",
            "DJANGO_ENV_FILE": "",
            "DJANGO_DEBUG": "false",
            "DJANGO_SECRET_KEY": settings.SECRET_KEY,
            "DJANGO_PII_KEY": os.environ["DJANGO_PII_KEY"],
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
            "DJANGO_LOG_LEVEL": "WARNING",
            "DJANGO_MEDIA_ROOT": str(tmp / "media"),
            "DJANGO_PRIVATE_MEDIA_ROOT": str(tmp / "private"),
            "PORTAL_BASE_URL": f"http://127.0.0.1:{self.port}",
            "DATABASE_URL": database_url(),
            "REDIS_URL": f"redis://127.0.0.1:{self.redis.port}/0",
            "CELERY_BROKER_URL": f"redis://127.0.0.1:{self.redis.port}/1",
            "SMS_BACKEND": "portal.sms.FileBackend",
            "SMS_FILE_PATH": str(self.gateway.path),
            "GUNICORN_BIND": f"127.0.0.1:{self.port}",
            "GUNICORN_WORKERS": "2",
            "GUNICORN_LOG_LEVEL": "warning",
        }

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _start(self, name: str, command: list[str], **env) -> subprocess.Popen:
        log = self.tmp / f"{name}.log"
        self.logs.append(log)
        process = subprocess.Popen(
            command, cwd=ROOT, env={**self.env, **env}, stdout=log.open("w"), stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        self.processes[name] = process
        return process

    def start_web(self):
        # As a deployment does before it starts: the shipped settings serve hashed static names.
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"], cwd=ROOT, env=self.env, check=True,
            timeout=120,
        )  # fmt: skip
        web = self._start("web", [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "portal.wsgi"])
        assert wait_for(lambda: self._answers() or web.poll() is not None, 60) and web.poll() is None, self.output()

    def _answers(self) -> bool:
        try:
            return requests.get(self.url + "/", timeout=2).status_code == 200
        except requests.RequestException:
            return False

    def start_worker(self, name: str = "worker", **env) -> subprocess.Popen:
        return self._start(
            name,
            [sys.executable, "-m", "celery", "-A", "portal", "worker", "--pool", "prefork", "--concurrency", "1",
             "-l", "info", "-n", f"{uuid.uuid4().hex[:8]}@%h"],
            **env,
        )  # fmt: skip

    def start_beat(self):
        self._start(
            "beat",
            [sys.executable, "-m", "celery", "-A", "portal", "beat", "-l", "info", "-s", str(self.tmp / "beat")],
        )

    def kill(self, name: str):
        stop(self.processes.pop(name), signal.SIGKILL)

    def output(self) -> str:
        return "\n---\n".join(f"{log.name}:\n{log.read_text()[-2500:]}" for log in self.logs if log.exists())

    def stop_all(self):
        for process in self.processes.values():
            stop(process)
        self.redis.stop()


_OURS = ("DJANGO_", "REDIS_", "CELERY_", "OUTBOX_", "SMS_", "TEST_", "GUNICORN_", "PORTAL_", "DATABASE_")


@pytest.fixture
def hall(transactional_db, tmp_path, celery_conf):
    hall = Hall(tmp_path)
    hall.redis.start()
    # The test process itself acts as a clerk through the services: its notifications go to
    # this deployment's broker, like the web's.
    celery_conf(task_always_eager=False, broker_url=hall.env["CELERY_BROKER_URL"])
    yield hall
    hall.stop_all()


class Citizen:
    """A browser session against the running hall: logs in, applies, looks at pages; counts answers."""

    def __init__(self, hall: Hall, world: World):
        self.hall, self.world = hall, world
        self.http = requests.Session()
        self.statuses: list[tuple[str, int]] = []
        self.submitted = 0

    def _record(self, response) -> requests.Response:
        self.statuses.append((response.request.path_url, response.status_code))
        return response

    def get(self, path: str) -> requests.Response:
        return self._record(self.http.get(self.hall.url + path, timeout=30, allow_redirects=False))

    def log_in(self):
        page = self.get("/accounts/login/")
        self._record(
            self.http.post(
                self.hall.url + "/accounts/login/",
                data={"username": self.world.applicant.username, "password": PASSWORD,
                      "csrfmiddlewaretoken": _form_value(page.text, "csrfmiddlewaretoken")},
                headers={"Referer": self.hall.url + "/accounts/login/"}, timeout=30, allow_redirects=False,
            )
        )  # fmt: skip
        assert self.statuses[-1][1] == 302, self.hall.output()

    def apply(self) -> requests.Response:
        path = f"/items/{self.world.implementation.code}/apply/"
        page = self.get(path)
        assert page.status_code == 200, page.text[:300]
        files = {
            f"m_{m.pk}": ("scan.pdf", pdf_upload().read(), "application/pdf")
            for m in self.world.implementation.materials.all()
        }
        data = {
            "token": _form_value(page.text, "token"),
            "csrfmiddlewaretoken": _form_value(page.text, "csrfmiddlewaretoken"),
            "submit": "1",
        }
        response = self._record(
            self.http.post(self.hall.url + path, data=data, files=files, timeout=30, allow_redirects=False,
                           headers={"Referer": self.hall.url + path})
        )  # fmt: skip
        if response.status_code == 302:
            assert "/accounts/login/" not in response.headers["Location"], "the session was lost"
            self.submitted += 1
        return response

    def server_errors(self) -> list[tuple[str, int]]:
        return [(path, status) for path, status in self.statuses if status >= 500]


def _form_value(html: str, name: str) -> str:
    return re.search(rf'name="{name}" value="([^"]+)"', html).group(1)


def citizen_world() -> World:
    world = World()
    world.applicant.password = PBKDF2PasswordHasher().encode(PASSWORD, "operations", iterations=1000)
    world.applicant.save(update_fields=["password"])
    return world


def all_delivered(timeout: float) -> bool:
    return wait_for(lambda: not Notification.objects.exclude(status=Notification.Status.DELIVERED).exists(), timeout)


def assert_nothing_lost(hall: Hall, citizens: list[Citizen], *, other_cases: int = 0):
    """The four checks every scenario ends with (``other_cases``: cases the test made through the services)."""
    submitted = sum(c.submitted for c in citizens)
    assert Case.objects.exclude(state=Case.State.DRAFT).count() == submitted + other_cases
    assert Message.objects.count() == Notification.objects.count()
    assert Message.objects.values("notification").distinct().count() == Message.objects.count()
    references = [m["reference"] for m in hall.gateway.accepted()]
    sent = Delivery.objects.filter(channel=Delivery.Channel.SMS, status=Delivery.Status.SENT)
    assert len(references) == sent.count() == len(set(references))
    assert not Delivery.objects.exclude(status=Delivery.Status.SENT).exists()
    for citizen in citizens:
        assert citizen.server_errors() == []


PAGES = ["/", "/items/", "/me/", "/messages/", "/track/"]


def redis_killed_during_submissions(hall: Hall) -> dict:
    world = citizen_world()
    citizen = Citizen(hall, world)
    citizen.log_in()
    for _ in range(3):
        assert citizen.apply().status_code == 302
    assert all_delivered(30), hall.output()
    normal = page_times(citizen)

    hall.redis.stop()
    down = time.monotonic()
    answers = []
    for _ in range(5):
        started = time.monotonic()
        answers.append(citizen.apply().status_code)
        answers.append(time.monotonic() - started)
    outage = page_times(citizen)
    # A clerk accepts every case meanwhile: the acceptance is texted to the applicant.
    for case in Case.objects.filter(state=Case.State.SUBMITTED):
        case_services.case_accept(case_id=case.pk, actor=world.clerk)
    waited = max(0.0, 9 - (time.monotonic() - down))
    time.sleep(waited)  # Redis stays away for about 9 s
    hall.redis.start()
    back = time.monotonic()
    assert all_delivered(60), hall.output()
    recovered = time.monotonic() - back
    assert_nothing_lost(hall, [citizen])
    posts = answers[0::2]
    assert posts == [302] * 5
    slower = {path: round(outage[path] / normal[path], 1) for path in PAGES}
    assert max(slower.values()) < 10, slower  # uncached, not stalled
    return {
        "recovered": recovered,
        "post_ms": [round(t * 1000) for t in answers[1::2]],
        "cases": citizen.submitted,
        "pages": {path: f"{normal[path] * 1000:.0f}→{outage[path] * 1000:.0f} ms" for path in PAGES},
    }


def page_times(citizen: "Citizen", rounds: int = 5) -> dict[str, float]:
    """Return each page's median time over ``rounds`` requests (each must answer 200)."""
    times = {}
    for path in PAGES:
        samples = []
        for _ in range(rounds):
            started = time.monotonic()
            assert citizen.get(path).status_code == 200, path
            samples.append(time.monotonic() - started)
        times[path] = sorted(samples)[rounds // 2]
    return times


def test_redis_killed_during_submissions_loses_nothing_and_recovers_in_seconds(hall):
    """Cache and broker on one Redis, killed for 9 s while a citizen applies and a clerk accepts."""
    hall.start_web()
    hall.start_worker()
    hall.start_beat()
    figures = redis_killed_during_submissions(hall)
    assert figures["recovered"] < 30
    print(f"\nRedis down 9 s: {figures['cases']} cases, POSTs {figures['post_ms']} ms; "
          f"everything delivered {figures['recovered']:.1f} s after Redis was back; "
          f"pages (median, before → during) {figures['pages']}")  # fmt: skip


def test_without_beat_the_workers_still_recover_everything(hall):
    """Beat never started: the worker's own recovery sweep publishes what the outage stranded."""
    hall.start_web()
    hall.start_worker()
    figures = redis_killed_during_submissions(hall)
    assert figures["recovered"] < 30
    print(f"\nNo beat, Redis down 9 s: everything delivered {figures['recovered']:.1f} s after Redis was back")


def worker_killed_while_texting(hall: Hall, when: str) -> float:
    flag = hall.tmp / "hanging"
    env = {"SMS_BACKEND": "tests.gateways.HangingFileBackend", "HANG_WHEN": when, "HANG_FLAG": str(flag)}
    hall.start_worker("first", **env)
    world = World()
    case = world.submitted()
    case_services.case_accept(case_id=case.pk, actor=world.clerk)  # texted to the applicant
    assert wait_for(flag.exists, 60), hall.output()
    hall.kill("first")
    hall.start_worker("second", **env)
    started = time.monotonic()
    assert all_delivered(60), hall.output()
    took = time.monotonic() - started
    notification = Notification.objects.get(kind="case.accepted")
    deliveries = list(notification.deliveries.values_list("channel", "status", "last_error"))
    assert [m["reference"] for m in hall.gateway.accepted()] == [f"notification-{notification.pk}"], deliveries
    assert_nothing_lost(hall, [], other_cases=1)
    return took


def test_a_worker_killed_before_the_gateway_took_the_text_sends_it_once_after_restart(hall):
    took = worker_killed_while_texting(hall, "before")
    assert took < 30
    print(f"\nWorker killed before the gateway accepted: delivered once, {took:.1f} s after a new worker started")


def test_a_worker_killed_after_the_gateway_took_the_text_does_not_send_it_again(hall):
    took = worker_killed_while_texting(hall, "after")
    assert took < 30
    print(f"\nWorker killed after the gateway accepted: not resent, recorded {took:.1f} s after a new worker started")
