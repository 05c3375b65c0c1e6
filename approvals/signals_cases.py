"""The one hook through which the workflow tells other apps what happened to a case.

``case_event`` is sent inside the service's transaction, right after the timeline row is
written, with ``case`` (locked, already saved) and ``event`` (the ``CaseEvent``). A receiver
that writes (e.g. the supervision rollups in ``evaluations``) therefore commits or rolls
back together with the change it counts. ``approvals`` never imports its receivers.
"""

from django.dispatch import Signal

case_event = Signal()
