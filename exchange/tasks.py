"""Periodic work of the exchange app: thin tasks that call services."""

from celery import shared_task

from exchange.services import exchange_purge


@shared_task
def exchange_purge_old() -> dict:
    """Drop idempotency records and call-log rows past their keeping time."""
    return exchange_purge()
