"""Regions and departments: code rules and constraints."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from departments.models import Department, Region
from tests.factories import DepartmentFactory, RegionFactory, make_department_code

pytestmark = pytest.mark.django_db


def test_region_code_length_must_match_its_level():
    city = RegionFactory()
    with pytest.raises(ValidationError):
        Region(code="5001031", name="x", level=Region.Level.DISTRICT, parent=city).full_clean()
    with pytest.raises(IntegrityError):
        Region.objects.create(code="500103", name="x", level=Region.Level.TOWN, parent=city)


def test_town_code_must_extend_its_district():
    district = RegionFactory(district=True)
    Region(code=f"{district.code}001", name="某街道", level=Region.Level.TOWN, parent=district).full_clean()
    with pytest.raises(ValidationError):
        Region(code="500999001", name="某街道", level=Region.Level.TOWN, parent=district).full_clean()


def test_department_code_is_a_valid_unique_credit_code():
    department = DepartmentFactory()
    wrong = "1" if department.code[-1] == "0" else "0"
    bad = Department(name="x", code=department.code[:-1] + wrong, region=department.region)
    with pytest.raises(ValidationError) as excinfo:
        bad.full_clean()
    assert "code" in excinfo.value.message_dict
    with pytest.raises(IntegrityError):
        DepartmentFactory(code=department.code)


def test_department_names_are_unique_within_a_region():
    department = DepartmentFactory()
    with pytest.raises(IntegrityError):
        DepartmentFactory(name=department.name, region=department.region, code=make_department_code(999_999))
