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
