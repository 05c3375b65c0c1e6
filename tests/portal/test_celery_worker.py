"""Delivery through real Celery worker processes on Redis.

Stopping Redis, killing workers and running without beat are rehearsed with the whole
deployment in tests/test_operations.py.
Skipped only where no broker or no PostgreSQL is configured (a laptop without services);
CI sets both.
"""

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.db import transaction

from portal import services
from portal.models import Message, Notification
from tests.factories import UserFactory
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
