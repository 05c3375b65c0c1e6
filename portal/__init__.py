"""The hall's project package: settings, root URLs, Celery app and the citizen shell."""

from portal.celery import app as celery_app

__all__ = ("celery_app",)
