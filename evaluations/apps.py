from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EvaluationsConfig(AppConfig):
    name = "evaluations"
    verbose_name = _("Evaluations and supervision")

    def ready(self):
        from approvals.signals import case_event
        from evaluations import receivers, slots

        case_event.connect(receivers.case_event_received, dispatch_uid="evaluations-case-event")
        slots.connect()
