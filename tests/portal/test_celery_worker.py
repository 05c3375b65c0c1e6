"""Delivery through a real Celery worker process on the Redis broker in CELERY_BROKER_URL.

Skipped only where no broker is configured (a laptop without services); CI sets it.
"""

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.db import connection, transaction

from portal import services
from portal.models import Message, Notification
from tests.factories import UserFactory

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [
    pytest.mark.celery_worker,
    pytest.mark.skipif(not os.environ.get("CELERY_BROKER_URL"), reason="CELERY_BROKER_URL is not set"),
]


def database_url() -> str:
    db = connection.settings_dict
    if connection.vendor != "postgresql":
        pytest.skip("a worker process needs a shared database server; DATABASE_URL is not PostgreSQL")
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def worker(transactional_db, celery_conf):
    """Start ``celery worker`` on a queue of its own and stop it after the test."""
    queue = f"test-{uuid.uuid4().hex[:12]}"
    celery_conf(task_always_eager=False, broker_url=os.environ["CELERY_BROKER_URL"], task_default_queue=queue)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings.test",
        "DATABASE_URL": database_url(),
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "portal", "worker", "-Q", queue, "--pool", "solo",
         "--without-gossip", "--without-mingle", "--without-heartbeat", "-l", "info"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    yield process
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def wait_for(predicate, timeout: float = 45.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.25)
    return False


def test_a_real_worker_delivers_an_outbox_row_once(worker):
    user = UserFactory()
    with transaction.atomic():
        notification = services.notify(recipient=user, kind="test", title="来自工作进程", event_key="worker:1")

    delivered = wait_for(lambda: Notification.objects.get(pk=notification.pk).status == Notification.Status.DELIVERED)
    if not delivered:
        worker.terminate()
        pytest.fail(f"not delivered; worker output:\n{worker.communicate(timeout=20)[0][-3000:]}")
    # A second publish of the same row (as the sweep may do) changes nothing.
    services.outbox_publish(notification_ids=[notification.pk])
    time.sleep(2)
    assert Message.objects.filter(recipient=user, title="来自工作进程").count() == 1
    assert worker.poll() is None, "the worker died"
