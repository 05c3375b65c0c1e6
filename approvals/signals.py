"""The app's signal and receivers: ``case_event`` for other apps, and the catalogue cache's invalidation.

``case_event`` is the one hook through which the workflow tells other apps what happened to a
case. It is sent inside the service's transaction, right after the timeline row is written, with
``case`` (locked, already saved) and ``event`` (the ``CaseEvent``). A receiver that writes (e.g.
the supervision rollups in ``evaluations``) therefore commits or rolls back together with the
change it counts. ``approvals`` never imports its receivers.

The receivers below keep anonymous catalogue pages fresh: any catalogue change empties the page
cache. ``connect`` is called from ``ApprovalsConfig.ready``.
"""

from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import Signal

from approvals.models import FAQ, Implementation, Item, LicenceType, Material, Theme
from departments.models import Department, Region
from portal.cache import page_cache_invalidate

case_event = Signal()

calendar_year_changed = Signal()
"""Sent with ``year=`` when the working days of that year may have changed.

Sent by ``approvals.services.calendar`` inside the transaction that changed the calendar (sender:
``CalendarYear``), so whatever a receiver writes commits or rolls back with the change; slow work
belongs in ``transaction.on_commit``.
"""

CATALOGUE_CACHE = "catalogue"
WATCHED = (Item, Implementation, Material, FAQ, Theme, LicenceType, Department, Region)


def invalidate_catalogue(**kwargs):
    """Invalidate now and again after commit, so no reader caches a page from before the change."""
    page_cache_invalidate(CATALOGUE_CACHE)
    transaction.on_commit(lambda: page_cache_invalidate(CATALOGUE_CACHE))


def connect():
    for model in WATCHED:
        post_save.connect(invalidate_catalogue, sender=model, dispatch_uid=f"catalogue-save-{model.__name__}")
        post_delete.connect(invalidate_catalogue, sender=model, dispatch_uid=f"catalogue-delete-{model.__name__}")
    m2m_changed.connect(invalidate_catalogue, sender=Item.themes.through, dispatch_uid="catalogue-item-themes")
