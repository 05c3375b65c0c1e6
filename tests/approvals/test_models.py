"""Catalogue models: derived codes, database constraints, history of changes."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from approvals import services
from approvals.codes import validate_implementation_code
from approvals.models import Implementation, Item, Status
from tests.factories import DepartmentFactory, ImplementationFactory, ItemFactory, RegionFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_implementation_code_is_derived_and_valid():
    implementation = ImplementationFactory()
    validate_implementation_code(implementation.code)
    assert implementation.code.startswith(implementation.item.code + implementation.region.code)
    assert implementation.department.code in implementation.code


def test_one_implementation_per_item_department_and_region():
    implementation = ImplementationFactory()
    with pytest.raises(IntegrityError):
        ImplementationFactory(item=implementation.item, department=implementation.department)


def test_committed_limit_cannot_exceed_statutory():
    with pytest.raises(IntegrityError), transaction.atomic():
        ImplementationFactory(statutory_limit_days=10, committed_limit_days=11)
    implementation = ImplementationFactory.build(
        item=ItemFactory(), department=DepartmentFactory(), statutory_limit_days=10, committed_limit_days=11
    )
    implementation.region = implementation.department.region
    with pytest.raises(ValidationError) as excinfo:
        implementation.full_clean()
    assert "committed_limit_days" in excinfo.value.message_dict


def test_region_must_be_the_departments():
    implementation = ImplementationFactory()
    implementation.region = RegionFactory(district=True)
    with pytest.raises(ValidationError) as excinfo:
        implementation.full_clean()
    assert "region" in excinfo.value.message_dict


def test_item_code_is_unique_and_matches_its_kind():
    item = ItemFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        ItemFactory(code=item.code)
    with pytest.raises(IntegrityError), transaction.atomic():
        Item.objects.create(code="QR00001001", name="x", kind="XK", legal_basis="x", statutory_limit_days=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        Item.objects.create(code="XK0000100", name="x", kind="XK", legal_basis="x", statutory_limit_days=1)


def test_saving_percent():
    implementation = ImplementationFactory(statutory_limit_days=20, committed_limit_days=5)
    assert implementation.saving_percent == 75


def test_every_change_is_kept_in_history_with_who():
    user = UserFactory()
    implementation = ImplementationFactory()
    implementation._history_user = user
    implementation.committed_limit_days = 3
    implementation.save()
    records = list(implementation.history.order_by("history_date"))
    assert [r.committed_limit_days for r in records] == [5, 3]
    assert records[-1].history_user == user
    material = implementation.materials.first()
    material.name = "新名称"
    material.save()
    assert material.history.count() == 2


def test_publishing_needs_materials_and_publishes_the_item():
    implementation = ImplementationFactory(draft=True, materials=0, item__status=Status.DRAFT)
    with pytest.raises(ValidationError):
        services.implementation_publish(implementation=implementation)
    implementation.materials.create(name="申请书")
    services.implementation_publish(implementation=implementation)
    implementation.refresh_from_db()
    assert implementation.status == Status.PUBLISHED and implementation.published_at
    assert implementation.item.status == Status.PUBLISHED


def test_retiring_an_item_retires_its_implementations():
    implementation = ImplementationFactory()
    services.item_retire(item=implementation.item)
    assert Implementation.objects.get(pk=implementation.pk).status == Status.RETIRED
