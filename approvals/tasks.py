"""Periodic work of the approvals app: thin tasks that call services."""

from celery import shared_task

from approvals.services.cases import case_files_purge_unreferenced as purge_unreferenced
from approvals.services.cases import case_mark_overdue


@shared_task
def cases_mark_overdue() -> dict:
    """Flag overdue cases and warn about near-due and overdue ones."""
    return case_mark_overdue()


@shared_task
def licences_remind_expiring() -> int:
    """Remind holders 30 days before a licence expires."""
    from approvals.services.licences import licences_remind_expiring as remind

    return remind()


@shared_task
def case_files_purge_unreferenced() -> int:
    """Remove applicants' files that no case names and that are over a day old."""
    return purge_unreferenced()
