"""Writes of the catalogue: publishing and retiring, each in a transaction with the row locked and audited.

``actor`` is the admin who did it (None for the demo loader and migrations).
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from approvals.models import Implementation, Item, Status
from portal import audit


def item_publish(*, item: Item, actor=None) -> Item:
    with transaction.atomic():
        item = Item.objects.select_for_update().get(pk=item.pk)
        if item.status != Status.PUBLISHED:
            item.status = Status.PUBLISHED
            item.save(update_fields=["status", "updated_at"])
            audit.record("item.publish", actor=actor, obj=item)
    return item


def item_retire(*, item: Item, actor=None) -> Item:
    """Retire an item and every implementation of it: none can be applied for any more."""
    with transaction.atomic():
        item = Item.objects.select_for_update().get(pk=item.pk)
        item.status = Status.RETIRED
        item.save(update_fields=["status", "updated_at"])
        for implementation in item.implementations.select_for_update().exclude(status=Status.RETIRED):
            implementation.status = Status.RETIRED
            implementation.save(update_fields=["status", "updated_at"])
        audit.record("item.retire", actor=actor, obj=item)
    return item


def implementation_publish(*, implementation: Implementation, actor=None) -> Implementation:
    """Publish an implementation; its item is published with it. A guide needs at least one material."""
    with transaction.atomic():
        implementation = Implementation.objects.select_for_update().select_related("item").get(pk=implementation.pk)
        if implementation.status == Status.PUBLISHED:
            return implementation
        if not implementation.materials.exists():
            raise ValidationError(
                _("%(name)s has no materials: add them before publishing.") % {"name": implementation}
            )
        if implementation.item.status == Status.RETIRED:
            raise ValidationError(_("The item %(item)s is retired.") % {"item": implementation.item})
        item_publish(item=implementation.item, actor=actor)
        implementation.status = Status.PUBLISHED
        implementation.published_at = timezone.now()
        implementation.save(update_fields=["status", "published_at", "updated_at"])
        audit.record("implementation.publish", actor=actor, obj=implementation)
    return implementation


def implementation_retire(*, implementation: Implementation, actor=None) -> Implementation:
    with transaction.atomic():
        implementation = Implementation.objects.select_for_update().get(pk=implementation.pk)
        if implementation.status != Status.RETIRED:
            implementation.status = Status.RETIRED
            implementation.save(update_fields=["status", "updated_at"])
            audit.record("implementation.retire", actor=actor, obj=implementation)
    return implementation
