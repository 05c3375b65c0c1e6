"""Celery tasks of the portal app: thin wrappers that call services and own retries."""

from celery import shared_task

from portal import services

MAX_DELIVERY_ATTEMPTS = 5


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=MAX_DELIVERY_ATTEMPTS - 1)
def deliver_notification(self, notification_id: int) -> bool:
    """Deliver one outbox row; retry with exponential backoff, then mark it failed."""
    try:
        return services.notification_deliver(notification_id=notification_id)
    except Exception as exc:
        final = self.request.retries >= self.max_retries
        services.notification_record_failure(notification_id=notification_id, error=repr(exc), final=final)
        if final:
            raise
        raise self.retry(exc=exc, countdown=min(2**self.request.retries * 10, 600)) from exc


@shared_task
def outbox_sweep() -> int:
    """Publish again what waited too long (the broker or a worker was down)."""
    return services.outbox_sweep()


@shared_task
def outbox_purge() -> int:
    """Drop delivered outbox rows past their retention period."""
    return services.outbox_purge()
