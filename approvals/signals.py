"""Keep anonymous catalogue pages fresh: any catalogue change empties the page cache."""

from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save

from approvals.models import FAQ, Implementation, Item, LicenceType, Material, Theme
from departments.models import Department, Region
from portal.cache import page_cache_invalidate

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
