"""Writes of the catalogue: publishing and retiring, each in a transaction with the row locked."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from approvals.models import Implementation, Item, Status


def item_publish(*, item: Item) -> Item:
    with transaction.atomic():
        item = Item.objects.select_for_update().get(pk=item.pk)
        if item.status != Status.PUBLISHED:
            item.status = Status.PUBLISHED
            item.save(update_fields=["status", "updated_at"])
    return item


def item_retire(*, item: Item) -> Item:
    """Retire an item and every implementation of it: none can be applied for any more."""
    with transaction.atomic():
        item = Item.objects.select_for_update().get(pk=item.pk)
        item.status = Status.RETIRED
        item.save(update_fields=["status", "updated_at"])
        for implementation in item.implementations.select_for_update().exclude(status=Status.RETIRED):
            implementation.status = Status.RETIRED
            implementation.save(update_fields=["status", "updated_at"])
    return item


def implementation_publish(*, implementation: Implementation) -> Implementation:
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
        item_publish(item=implementation.item)
        implementation.status = Status.PUBLISHED
        implementation.published_at = timezone.now()
        implementation.save(update_fields=["status", "published_at", "updated_at"])
    return implementation


def implementation_retire(*, implementation: Implementation) -> Implementation:
    with transaction.atomic():
        implementation = Implementation.objects.select_for_update().get(pk=implementation.pk)
        if implementation.status != Status.RETIRED:
            implementation.status = Status.RETIRED
            implementation.save(update_fields=["status", "updated_at"])
    return implementation
