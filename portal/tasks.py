"""Celery tasks of the portal app: thin wrappers that call services and own retries.

Task arguments are ids only: names, numbers and texts stay in the database.
"""

from celery import shared_task

from portal import services

MAX_DELIVERY_ATTEMPTS = 5


def retry_countdown(retries: int) -> int:
    """Seconds before the next attempt: 10, 20, 40, 80 ... capped at 10 minutes."""
    return min(2**retries * 10, 600)


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=MAX_DELIVERY_ATTEMPTS - 1)
def deliver_notification(self, notification_id: int) -> bool:
    """Deliver one outbox row on each of its channels; retry with backoff, then mark it failed."""
    try:
        return services.notification_deliver(notification_id=notification_id)
    except Exception as exc:
        if self.request.retries >= self.max_retries:
            services.notification_mark_failed(notification_id=notification_id, error=repr(exc))
            raise
        raise self.retry(exc=exc, countdown=retry_countdown(self.request.retries)) from exc


@shared_task
def outbox_sweep() -> int:
    """Publish the rows nobody is working on (the broker or a worker was down); workers also run it themselves."""
    return services.outbox_recover()


@shared_task
def outbox_purge() -> int:
    """Drop delivered outbox rows past their retention period."""
    return services.outbox_purge()
