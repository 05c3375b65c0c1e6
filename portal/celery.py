"""The Celery app: settings from Django's ``CELERY_`` namespace, tasks found in every app.

Run against Redis (see the README)::

    CELERY_BROKER_URL=redis://127.0.0.1:6379/0 celery -A portal worker -l info
    CELERY_BROKER_URL=redis://127.0.0.1:6379/0 celery -A portal beat -l info
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.base")

app = Celery("portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


# --- the outbox's recovery, run by every worker --------------------------------------------
#
# A worker publishes the outbox rows nobody is working on every OUTBOX_WORKER_SWEEP_SECONDS
# (portal.services.outbox_recover), from a thread of its main process. Recovery then needs no
# beat: rows written while the broker was down go out within seconds of its return, and a row
# whose worker was killed goes out once its lease has run out, on whichever worker is alive.

import logging  # noqa: E402 - this part of the module is about workers only
import threading  # noqa: E402

from celery.signals import worker_ready, worker_shutdown  # noqa: E402

logger = logging.getLogger("portal.outbox")
_stop = threading.Event()


def _recover_forever(interval: float) -> None:
    from django.db import close_old_connections

    from portal import services

    while not _stop.wait(interval):
        try:
            services.outbox_recover()
        except Exception as exc:  # noqa: BLE001 - the database may be away too; try again next round
            services.warn_now_and_then("outbox-recover", "outbox: recovery sweep failed: %r", exc)
        finally:
            close_old_connections()


@worker_ready.connect
def _start_outbox_recovery(sender=None, **kwargs):
    from django.conf import settings

    interval = settings.OUTBOX_WORKER_SWEEP_SECONDS
    if interval > 0:
        _stop.clear()
        threading.Thread(target=_recover_forever, args=(interval,), name="outbox-recovery", daemon=True).start()
        logger.info("outbox: this worker publishes stranded rows every %s s", interval)


@worker_shutdown.connect
def _stop_outbox_recovery(sender=None, **kwargs):
    _stop.set()
