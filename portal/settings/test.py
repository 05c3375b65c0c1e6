"""Settings for the test suite: the base settings with safe defaults and fast hashing."""

import os
import tempfile
from pathlib import Path

os.environ.setdefault("DJANGO_DEBUG", "false")
os.environ.setdefault("DJANGO_SECRET_KEY", "test-secret-key-that-is-long-enough-for-the-checks")
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
os.environ.setdefault("DJANGO_PII_KEY", "test-personal-data-key-distinct-from-the-secret-key")
os.environ.setdefault("PORTAL_BASE_URL", "http://testserver")
# The suite loads the demo city (seed_demo), so the demo app is installed.
os.environ.setdefault("DEMO_DATA", "true")

from portal.settings.base import *  # noqa: F403
from portal.settings.base import STORAGES

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Uploaded case files go to a throwaway directory, not the developer's var/private.
PRIVATE_MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="portal-test-private-"))
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    "private": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": PRIVATE_MEDIA_ROOT, "base_url": None},
    },
}
# Supervision figures are computed afresh on every request, so each test sees its own data.
SUPERVISION_CACHE_SECONDS = 0
# Tests run tasks in-process unless a test starts a real worker (see tests/portal/test_celery_worker.py).
CELERY_TASK_ALWAYS_EAGER = True
# Text messages are kept in portal.sms.outbox instead of being sent. A worker process
# started by a test may be given another backend through the environment.
SMS_BACKEND = os.environ.get("TEST_SMS_BACKEND", "portal.sms.RecordingBackend")
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

# Most tests sign staff in with force_login; the two-factor step has tests of its own
# (tests/portal/test_two_factor.py) that switch it on.
STAFF_2FA_REQUIRED = False
