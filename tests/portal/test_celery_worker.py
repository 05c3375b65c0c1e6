"""Delivery through real Celery worker processes on Redis.

The tests that stop Redis or kill a worker start their own ``redis-server`` on a free port
and their own workers, and stop them by PID afterwards; the shared Redis is never touched.
Skipped only where no broker or no PostgreSQL is configured (a laptop without services);
CI sets both.
"""

import contextlib
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.db import transaction
from django.urls import reverse

from approvals.models import Case
from portal import services
from portal.models import Delivery, Message, Notification
from portal.tasks import outbox_sweep
from tests.approvals.workflow_helpers import World
from tests.factories import UserFactory, pdf_upload
from tests.processes import database_url, stop, wait_for

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [
    pytest.mark.celery_worker,
    pytest.mark.skipif(not os.environ.get("CELERY_BROKER_URL"), reason="CELERY_BROKER_URL is not set"),
]


class Workers:
    """Start ``celery worker`` processes on one queue of one broker; all are stopped after the test."""

    def __init__(self, broker_url: str, queue: str, log_dir: Path):
        self.broker_url, self.queue, self.log_dir = broker_url, queue, log_dir
        self.processes: list[subprocess.Popen] = []
        self.logs: list[Path] = []

    def start(self, *, pool: str = "solo", concurrency: int = 1, **env) -> subprocess.Popen:
        environment = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "portal.settings.test",
            "DATABASE_URL": database_url(),
            "CELERY_BROKER_URL": self.broker_url,
            **env,
        }
        log = self.log_dir / f"worker-{len(self.logs)}.log"
        self.logs.append(log)
        # A file, not a pipe: a pipe nobody reads fills up and blocks the worker's logging.
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "portal", "worker", "-Q", self.queue, "--pool", pool,
             "--concurrency", str(concurrency), "--without-gossip", "--without-mingle", "--without-heartbeat",
             "-l", "info", "-n", f"{uuid.uuid4().hex[:8]}@%h"],
            cwd=ROOT, env=environment, stdout=log.open("w"), stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        self.processes.append(process)
        return process

    def output(self) -> str:
        self.stop_all()
        return "\n---\n".join(log.read_text()[-3000:] for log in self.logs)

    def stop_all(self):
        for process in self.processes:
            stop(process)


@pytest.fixture
def workers(transactional_db, celery_conf, tmp_path_factory):
    """Workers on the CI broker (``CELERY_BROKER_URL``), on a queue of this test's own."""
    queue = f"test-{uuid.uuid4().hex[:12]}"
    celery_conf(task_always_eager=False, broker_url=os.environ["CELERY_BROKER_URL"], task_default_queue=queue)
    pool = Workers(os.environ["CELERY_BROKER_URL"], queue, tmp_path_factory.mktemp("workers"))
    yield pool
    pool.stop_all()


@pytest.fixture
def own_broker_workers(transactional_db, celery_conf, redis_server, tmp_path_factory):
    """Workers on this test's own Redis, which the test may stop and start again."""
    queue = f"test-{uuid.uuid4().hex[:12]}"
    celery_conf(task_always_eager=False, broker_url=redis_server.url, task_default_queue=queue)
    pool = Workers(redis_server.url, queue, tmp_path_factory.mktemp("workers"))
    pool.redis = redis_server
    yield pool
    pool.stop_all()


def beat_until(predicate, timeout: float = 150.0, every: float = 5.0) -> bool:
    """Send the outbox sweep every few seconds, as beat does every minute, until ``predicate`` holds.

    A worker whose broker connection was cut may lose the first message it is sent while it
    reconnects (a BRPOP answered on a connection it no longer reads); the row stays pending
    and the next sweep publishes it again.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(Exception):  # the broker may still be coming back
            outbox_sweep.delay()
        if wait_for(predicate, every):
            return True
    return False


def delivered(notification: Notification) -> bool:
    return Notification.objects.get(pk=notification.pk).status == Notification.Status.DELIVERED


def test_a_real_worker_delivers_an_outbox_row_once(workers):
    worker = workers.start()
    user = UserFactory()
    with transaction.atomic():
        notification = services.notify("case.received", recipient=user, context={"code": "W1"}, event_key="worker:1")

    if not wait_for(lambda: delivered(notification)):
        pytest.fail(f"not delivered; worker output:\n{workers.output()}")
    # A second publish of the same row (as the sweep may do) changes nothing.
    services.outbox_publish(notification_ids=[notification.pk])
    time.sleep(2)
    assert Message.objects.filter(recipient=user, notification=notification).count() == 1
    assert worker.poll() is None, "the worker died"


def test_redis_stopped_while_a_case_is_submitted_delivers_after_it_is_back(own_broker_workers, client):
    """(a) The request succeeds with the broker down; the notification arrives once Redis is back."""
    pool = own_broker_workers
    pool.start(OUTBOX_SWEEP_AFTER_SECONDS="1")
    world = World()
    client.force_login(world.applicant)
    url = reverse("approvals:apply", args=[world.implementation.code])
    page = client.get(url).content.decode()
    token = page.split('name="token" value="')[1].split('"')[0]
    data = {"token": token, "submit": "1"}
    for material in world.implementation.materials.all():
        data[f"m_{material.pk}"] = pdf_upload()

    pool.redis.stop()
    started = time.monotonic()
    response = client.post(url, data)
    elapsed = time.monotonic() - started
    assert response.status_code == 302, response.content.decode()[:500]
    case = Case.objects.get(applicant=world.applicant)
    assert case.state == Case.State.SUBMITTED
    notification = Notification.objects.get(recipient=world.applicant, kind="case.received")
    assert notification.status == Notification.Status.PENDING
    # The department is told too; each of the two rows is delivered on its own.
    to_department = Notification.objects.get(department=world.department, kind="case.submitted")
    assert elapsed < 10, f"the submission waited {elapsed:.1f}s for the broker"

    pool.redis.start()  # same port, empty: the publish that failed is not in it
    back = time.monotonic()
    if not beat_until(lambda: delivered(notification) and delivered(to_department)):
        pytest.fail(f"not delivered after Redis came back; worker output:\n{pool.output()}")
    took = time.monotonic() - back
    assert Message.objects.filter(recipient=world.applicant, kind="case.received").count() == 1
    assert Message.objects.filter(department=world.department, kind="case.submitted").count() == 1
    print(f"\nsubmission with Redis down took {elapsed * 1000:.0f} ms; delivered {took:.1f}s after Redis was back")


def test_a_worker_killed_in_the_middle_of_a_delivery_delivers_exactly_once_after_restart(own_broker_workers, tmp_path):
    """(b) Killed (SIGKILL, the whole worker) while the SMS gateway call hangs; a new worker finishes once."""
    pool = own_broker_workers
    env = {
        "TEST_SMS_BACKEND": "tests.portal.slow_sms.SlowSmsBackend",
        "SLOW_SMS_DIR": str(tmp_path),
        "OUTBOX_SWEEP_AFTER_SECONDS": "1",
        "CELERY_VISIBILITY_TIMEOUT": "5",
    }
    first = pool.start(pool="prefork", concurrency=1, **env)
    user = UserFactory(mobile="13612345678", with_id_number=True)
    with transaction.atomic():
        notification = services.notify(
            "case.accepted", recipient=user, context={"code": "K1", "date": "2026-12-01"}, event_key="kill:1"
        )
    assert set(notification.deliveries.values_list("channel", flat=True)) == {"site", "sms"}
    if not wait_for(lambda: (tmp_path / "started").exists(), 60):
        pytest.fail(f"the delivery never reached the gateway; worker output:\n{pool.output()}")
    stop(first, signal.SIGKILL)  # main process and pool child at once: nothing is acknowledged
    assert Notification.objects.get(pk=notification.pk).status == Notification.Status.PENDING
    assert not (tmp_path / "sent.log").exists()

    pool.start(pool="prefork", concurrency=1, **env)
    if not beat_until(lambda: delivered(notification)):
        pytest.fail(f"not delivered after the restart; worker output:\n{pool.output()}")
    # The task the killed worker held comes back after the visibility timeout: it must send nothing.
    time.sleep(8)
    services.outbox_publish(notification_ids=[notification.pk])
    time.sleep(2)
    assert Message.objects.filter(notification=notification).count() == 1
    assert (tmp_path / "sent.log").read_text().splitlines() == [f"notification-{notification.pk} 5678"]
    assert set(Delivery.objects.filter(notification=notification).values_list("status", flat=True)) == {"sent"}


def test_a_thousand_events_make_a_thousand_deliveries(workers):
    """(c) 1,000 notifications through two worker processes: 1,000 messages, none twice."""
    workers.start(pool="prefork", concurrency=2)
    users = UserFactory.create_batch(10)
    started = time.monotonic()
    with transaction.atomic():
        for n in range(1000):
            services.notify(
                "case.received", recipient=users[n % 10], context={"code": f"B{n:04d}"}, event_key=f"bulk:{n}"
            )
    written = time.monotonic()
    if not wait_for(lambda: Message.objects.count() >= 1000, 240):
        pytest.fail(f"{Message.objects.count()} of 1000 delivered; worker output:\n{workers.output()}")
    finished = time.monotonic()
    time.sleep(1)
    assert Message.objects.count() == 1000
    assert Message.objects.values("notification").distinct().count() == 1000
    assert not Notification.objects.exclude(status=Notification.Status.DELIVERED).exists()
    print(
        f"\n1000 notifications: written and published in {written - started:.2f}s, "
        f"delivered {finished - written:.2f}s later ({1000 / (finished - started):.0f} per second overall)"
    )
