"""Uploads survive only with their case: a refused submission leaves no file, a daily task removes unreferenced
files older than a day, applying is rate-limited per person, downloads carry the detected type's extension."""

import datetime
import os
import re
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.urls import reverse
from django.utils import timezone

from approvals.models import Case, CaseMaterial, FormField
from approvals.services import bundles as bundle_services
from approvals.services import cases as services
from portal.ratelimit import security_cache
from tests.approvals.workflow_helpers import World
from tests.exchange.factories import client_for, make_key, make_system
from tests.factories import PDF_BYTES, ImplementationFactory, pdf_upload

pytestmark = pytest.mark.django_db
S = Case.State
MB = 1024 * 1024


@pytest.fixture(autouse=True)
def clean_cache():
    """The apply counters live in the security cache; each test starts with none."""
    security_cache().clear()
    yield
    security_cache().clear()


def stored_files() -> list[Path]:
    root = Path(settings.PRIVATE_MEDIA_ROOT)
    return sorted(p for p in root.rglob("*") if p.is_file())


def token_of(response) -> str:
    return re.search(r'name="token" value="([^"]+)"', response.content.decode()).group(1)


def big_pdf(name: str, size: int = 3 * MB):
    return pdf_upload(name, PDF_BYTES + b"0" * (size - len(PDF_BYTES)))


@pytest.fixture
def world():
    """An implementation with four required materials."""
    return World(materials=4)


def test_a_refused_submission_of_three_files_leaves_nothing_on_disk(client, world):
    client.force_login(world.applicant)
    url = reverse("approvals:apply", args=[world.implementation.code])
    page = client.get(url)
    before = stored_files()
    first, second, third, _missing = world.implementation.materials.all()
    data = {"token": token_of(page), "submit": "1"}
    data.update({f"m_{m.pk}": big_pdf(f"{m.name}.pdf") for m in (first, second, third)})
    response = client.post(url, data)
    assert response.status_code == 200
    assert _missing.name in str(response.context["form"].non_field_errors())  # "… materials are missing: …"
    assert not Case.objects.exists() and not CaseMaterial.objects.exists()
    assert stored_files() == before


def test_a_submission_refused_inside_a_bundle_leaves_nothing_on_disk(world):
    from approvals.models import Bundle, BundlePart

    other = ImplementationFactory(materials=1)
    bundle = Bundle.objects.create(slug="open-shop", name="我要开店", status="published")
    BundlePart.objects.create(bundle=bundle, implementation=world.implementation, order=1)
    BundlePart.objects.create(bundle=bundle, implementation=other, order=2)
    before = stored_files()
    answers = {m.name: big_pdf(f"{m.name}.pdf", MB) for m in world.implementation.materials.all()[:3]}
    with pytest.raises(services.WorkflowError):
        bundle_services.bundle_submit(
            applicant=world.applicant, bundle=bundle, token=uuid.uuid4(), form_data={}, answers=answers
        )
    assert not Case.objects.exists()
    assert stored_files() == before


def test_a_successful_submission_keeps_its_files(client, world):
    client.force_login(world.applicant)
    url = reverse("approvals:apply", args=[world.implementation.code])
    page = client.get(url)
    before = len(stored_files())
    data = {"token": token_of(page), "submit": "1"}
    data.update({f"m_{m.pk}": pdf_upload(f"{m.name}.pdf") for m in world.implementation.materials.all()})
    assert client.post(url, data).status_code == 302
    assert len(stored_files()) == before + 4
    case = Case.objects.get()
    assert all(row.file.storage.exists(row.file.name) for row in case.materials.all())


def _age(name: str, days: float) -> None:
    stamp = (timezone.now() - datetime.timedelta(days=days)).timestamp()
    os.utime(storages["private"].path(name), (stamp, stamp))


def test_the_daily_task_removes_only_unreferenced_files_older_than_a_day(world):
    from approvals.tasks import case_files_purge_unreferenced

    storage = storages["private"]
    case = world.submitted()
    kept = list(case.materials.values_list("file", flat=True))
    reused = services.case_save_application(
        applicant=world.applicant, implementation=world.implementation, token=uuid.uuid4(), form_data={},
        answers=[], submit=False,
    )  # fmt: skip
    CaseMaterial.objects.create(case=reused, source="library", file=kept[0], original_name="reused.pdf")
    old_orphan = storage.save("cases/zz/old-orphan", ContentFile(PDF_BYTES))
    new_orphan = storage.save("cases/zz/new-orphan", ContentFile(PDF_BYTES))
    outside = storage.save("elsewhere/old-file", ContentFile(PDF_BYTES))
    for name in [*kept, old_orphan, outside]:
        _age(name, 2)
    _age(new_orphan, 0.5)

    assert case_files_purge_unreferenced.delay().get() == 1

    assert not storage.exists(old_orphan)
    assert storage.exists(new_orphan) and storage.exists(outside)
    assert all(storage.exists(name) for name in kept)
    assert case_files_purge_unreferenced.delay().get() == 0


def test_the_task_is_scheduled():
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "approvals.tasks.case_files_purge_unreferenced" in tasks


def test_applying_is_rate_limited_per_person_and_the_form_comes_back(client, world, settings):
    settings.APPLY_RATE_LIMIT = 2
    FormField.objects.create(implementation=world.implementation, name="shop", label="店名", kind="text")
    client.force_login(world.applicant)
    url = reverse("approvals:apply", args=[world.implementation.code])
    for _ in range(2):
        page = client.get(url)
        assert client.post(url, {"token": token_of(page), "f_shop": "山城小面", "save": "1"}).status_code == 302
    page = client.get(url)
    files = len(stored_files())
    material = world.implementation.materials.first()
    response = client.post(
        url, {"token": token_of(page), "f_shop": "重庆火锅", f"m_{material.pk}": pdf_upload(), "submit": "1"}
    )
    assert response.status_code == 429
    assert len(response.context["form"].non_field_errors()) == 1  # "Too many applications …"
    assert "重庆火锅" in response.content.decode()  # what was typed is still there
    assert Case.objects.get().form_data == {"shop": "山城小面"} and len(stored_files()) == files
    # Another person is not held back.
    other = World(materials=1)
    client.force_login(other.applicant)
    other_url = reverse("approvals:apply", args=[other.implementation.code])
    other_page = client.get(other_url)
    assert client.post(other_url, {"token": token_of(other_page), "save": "1"}).status_code == 302


def _polyglot_case(world) -> CaseMaterial:
    answers = [
        services.MaterialAnswer(material=m, upload=pdf_upload("x.html")) for m in world.implementation.materials.all()
    ]
    case = services.case_save_application(
        applicant=world.applicant, implementation=world.implementation, token=uuid.uuid4(), form_data={},
        answers=answers, submit=True,
    )  # fmt: skip
    row = case.materials.first()
    assert row.original_name == "x.html" and row.content_type == "application/pdf"
    return row


def test_downloads_are_named_with_the_detected_types_extension(client, world):
    row = _polyglot_case(world)
    client.force_login(world.applicant)
    response = client.get(reverse("approvals:case_file", args=[row.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="x.pdf"'
    assert response["Content-Type"] == "application/pdf"
    api = client_for(make_key(make_system(world.department)))
    response = api.get(f"/api/v1/cases/{row.case_id}/materials/{row.pk}/file/")
    assert response["Content-Disposition"] == 'attachment; filename="x.pdf"'


def test_an_earlier_material_read_for_a_case_downloads_with_the_detected_extension(client, world):
    earlier = _polyglot_case(world)
    case = world.submitted()
    client.force_login(world.clerk)
    response = client.get(reverse("approvals:case_record_file", args=[case.pk, earlier.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="x.pdf"'
