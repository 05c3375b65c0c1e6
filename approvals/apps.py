from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApprovalsConfig(AppConfig):
    name = "approvals"
    verbose_name = _("Approvals")

    def ready(self):
        from approvals import signals

        signals.connect()
        signals.calendar_year_changed.connect(_recompute_due_dates, dispatch_uid="approvals-recompute-due-dates")


def _recompute_due_dates(sender, year, **kwargs):
    """When an admin enters a year's official schedule, running cases' due dates follow it."""
    from approvals.services.cases import case_recompute_due_dates

    case_recompute_due_dates(year=year)
