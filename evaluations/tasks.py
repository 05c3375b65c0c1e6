"""Periodic work of evaluations: thin tasks that call services."""

from celery import shared_task

from evaluations import services


@shared_task
def ratings_remind() -> int:
    """Remind applicants who have not rated a case completed three days ago."""
    return services.ratings_remind()


@shared_task
def rectifications_mark_overdue() -> int:
    """Flag rectifications past their deadline (shown on the desk and the dashboard)."""
    return services.rectifications_mark_overdue()


@shared_task
def supervision_digest() -> int:
    """Send supervisors yesterday's figures and what is late now."""
    return services.supervision_digest_send()
