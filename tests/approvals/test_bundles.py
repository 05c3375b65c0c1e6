"""Bundles (一件事一次办): the admin, one application fanning out into a case per department, its progress
page, the combined form, and the demo bundles.

Cases are made and moved only through ``approvals.services``; each part's department has
its own clerk and reviewer from the factories.
"""

import itertools
import re
import threading
import uuid

import pytest
from django.contrib.admin.sites import site as admin_site
from django.core.cache import cache
from django.db import connection, connections, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

import approvals.admin.bundles  # noqa: F401 - registers the bundle admin
from approvals.codes import validate_supervision_code
from approvals.forms import bundles as bundle_forms
from approvals.models import (
    Bundle,
    BundleApplication,
    BundlePart,
    Case,
    CaseMaterial,
    CodeSequence,
    FormField,
    Material,
    Status,
)
from approvals.selectors import bundles as bundle_selectors
from approvals.services import bundles as bundle_services
from approvals.services import cases as services
from approvals.services.catalogue import implementation_retire
from departments.models import StaffMembership
from tests.factories import ImplementationFactory, StaffMembershipFactory, UserFactory, pdf_upload

pytestmark = pytest.mark.django_db

S = Case.State
SHARED = "营业执照"
_slugs = itertools.count(1)


@pytest.fixture(autouse=True)
def clean_cache():
    cache.clear()


@pytest.fixture(autouse=True)
def english():
    """Service messages in English: some assertions quote them."""
    with translation.override("en"):
        yield


class BundleWorld:
    """A published bundle of ``parts`` implementations at different departments, each with a clerk and reviewer.

    Every part asks for the shared material 营业执照 and one of its own; parts 0 and 1 share the
    form field ``shop_name``, and the last part has its own field ``seats``.
    """

    def __init__(self, parts: int = 3, *, with_fields: bool = True):
        self.applicant = UserFactory(with_id_number=True)
        self.bundle = Bundle.objects.create(slug=f"life-event-{next(_slugs)}", name="开办餐饮店", description="一次办")
        self.implementations, self.clerks, self.reviewers = [], {}, {}
        for index in range(parts):
            implementation = ImplementationFactory(materials=0)
            Material.objects.create(implementation=implementation, name=SHARED, sort_order=0)
            Material.objects.create(implementation=implementation, name=f"专用材料{index}", sort_order=1)
            BundlePart.objects.create(bundle=self.bundle, implementation=implementation, order=index)
            department = implementation.department
            self.clerks[department.pk] = StaffMembershipFactory(department=department).user
            self.reviewers[department.pk] = StaffMembershipFactory(
                department=department, role=StaffMembership.Role.REVIEWER
            ).user
            self.implementations.append(implementation)
        if with_fields:
            for implementation in self.implementations[:2]:
                FormField.objects.create(implementation=implementation, name="shop_name", label="店名")
            FormField.objects.create(
                implementation=self.implementations[-1], name="seats", label="座位数", kind=FormField.Kind.NUMBER
            )
        bundle_services.bundle_publish(bundle=self.bundle)
        self.bundle.refresh_from_db()

    def uploads(self, *, skip: str = "") -> dict:
        names = [SHARED, *(f"专用材料{i}" for i in range(len(self.implementations)))]
        return {name: pdf_upload(f"{name}.pdf") for name in names if name != skip}

    def submit(self, token=None, **kwargs) -> BundleApplication:
        return bundle_services.bundle_submit(
            applicant=self.applicant,
            bundle=self.bundle,
            token=token or uuid.uuid4(),
            form_data=kwargs.pop("form_data", {"shop_name": "山城小面", "seats": "40"}),
            answers=kwargs.pop("answers", None) or self.uploads(),
        )

    def clerk_of(self, case: Case):
        return self.clerks[case.department_id]

    def complete(self, case: Case) -> Case:
        clerk, reviewer = self.clerk_of(case), self.reviewers[case.department_id]
        services.case_accept(case_id=case.pk, actor=clerk)
        services.case_start_review(case_id=case.pk, actor=clerk)
        services.case_approve(case_id=case.pk, actor=reviewer)
        return services.case_complete(case_id=case.pk, actor=clerk)


def cases_of(application: BundleApplication) -> list[Case]:
    return list(application.cases.select_related("department", "implementation").order_by("pk"))


# --- applying: the fan-out -----------------------------------------------------------------


def test_fan_out_makes_one_submitted_case_per_part_at_its_own_department():
    world = BundleWorld(parts=3)
    application = world.submit()
    cases = cases_of(application)
    assert [case.implementation for case in cases] == world.implementations
    assert [case.department for case in cases] == [i.department for i in world.implementations]
    assert all(case.state == S.SUBMITTED and case.applicant == world.applicant for case in cases)
    assert all(case.bundle_application_id == application.pk for case in cases)
    assert Case.objects.count() == 3


def test_each_case_gets_its_own_copy_of_the_uploads_matched_by_material_name():
    world = BundleWorld(parts=3)
    cases = cases_of(world.submit())
    for index, case in enumerate(cases):
        rows = {row.material.name: row for row in case.materials.select_related("material")}
        assert set(rows) == {SHARED, f"专用材料{index}"}
        assert rows[SHARED].material.implementation_id == case.implementation_id
        assert rows[SHARED].original_name == f"{SHARED}.pdf"
        assert rows[f"专用材料{index}"].original_name == f"专用材料{index}.pdf"
    shared = CaseMaterial.objects.filter(material__name=SHARED)
    assert shared.count() == 3
    assert len({row.file.name for row in shared}) == 3  # three stored files, not one shared path
    assert len({row.sha256 for row in shared}) == 1
    for row in shared:
        with row.file.open("rb") as stored:
            assert stored.read().startswith(b"%PDF-")


def test_each_case_gets_the_answers_to_its_own_fields():
    world = BundleWorld(parts=3)
    application = world.submit(form_data={"shop_name": "山城小面", "seats": "40"})
    assert application.form_data == {"shop_name": "山城小面", "seats": "40"}
    assert [case.form_data for case in cases_of(application)] == [
        {"shop_name": "山城小面"},
        {"shop_name": "山城小面"},
        {"seats": "40"},
    ]


def test_the_application_has_its_own_valid_code_distinct_from_the_parts():
    world = BundleWorld(parts=3)
    application = world.submit()
    validate_supervision_code(application.code)
    assert application.code.startswith(world.implementations[0].region.code)
    codes = [case.supervision_code for case in cases_of(application)]
    for code in codes:
        validate_supervision_code(code)
    assert len({application.code, *codes}) == 4
    # One sequence with the cases: the region's serials of the day are 1 to 4, none skipped.
    assert sorted(int(code[12:18]) for code in [application.code, *codes]) == [1, 2, 3, 4]


def test_submitting_twice_with_one_token_makes_one_application_and_one_case_per_part():
    world = BundleWorld(parts=3)
    token = uuid.uuid4()
    first = world.submit(token)
    second = world.submit(token)
    assert first.pk == second.pk and first.code == second.code
    assert BundleApplication.objects.count() == 1
    assert Case.objects.count() == 3
    assert CaseMaterial.objects.count() == 6


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL (CI runs it)")
def test_a_form_posted_twice_at_once_makes_one_application():
    world = BundleWorld(parts=3)
    token = uuid.uuid4()
    barrier = threading.Barrier(2)
    results: list = [None, None]

    def post(index):
        try:
            barrier.wait(timeout=10)
            results[index] = world.submit(token)
        except Exception as exc:  # noqa: BLE001 - the test inspects whatever happened
            results[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=post, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert all(isinstance(r, BundleApplication) for r in results), results
    assert results[0].pk == results[1].pk
    assert BundleApplication.objects.count() == 1 and Case.objects.count() == 3


def test_a_token_of_another_applicant_is_refused():
    world = BundleWorld(parts=2)
    token = uuid.uuid4()
    world.submit(token)
    with pytest.raises(services.WorkflowError):
        bundle_services.bundle_submit(
            applicant=UserFactory(), bundle=world.bundle, token=token, form_data={}, answers=world.uploads()
        )


def test_an_unpublished_part_refuses_the_whole_bundle_and_creates_nothing():
    world = BundleWorld(parts=3)
    implementation_retire(implementation=world.implementations[1])
    with pytest.raises(services.WorkflowError, match=world.implementations[1].name):
        world.submit()
    assert not BundleApplication.objects.exists()
    assert not Case.objects.exists()
    assert not CaseMaterial.objects.exists()
    assert not CodeSequence.objects.filter(last__gt=0).exists()


def test_an_unpublished_bundle_is_refused():
    world = BundleWorld(parts=2)
    bundle_services.bundle_retire(bundle=world.bundle)
    with pytest.raises(services.WorkflowError):
        world.submit()
    assert not BundleApplication.objects.exists()


def test_a_part_refusing_the_application_rolls_back_the_parts_before_it():
    world = BundleWorld(parts=3)
    # The last part's own required material is missing: its case_submit refuses after two cases were made.
    with pytest.raises(services.WorkflowError, match="专用材料2"):
        world.submit(answers=world.uploads(skip="专用材料2"))
    assert not BundleApplication.objects.exists()
    assert not Case.objects.exists()
    assert not CaseMaterial.objects.exists()


# --- the aggregate state -------------------------------------------------------------------


def test_state_is_in_progress_while_any_part_is_open():
    world = BundleWorld(parts=3)
    application = world.submit()
    cases = cases_of(application)
    world.complete(cases[0])
    services.case_accept(case_id=cases[1].pk, actor=world.clerk_of(cases[1]))
    state = bundle_selectors.bundle_state(application)
    assert state["state"] == "in_progress"
    assert state["done"] == 1 and state["total"] == 3
    assert [part["state"] for part in state["parts"]] == [S.COMPLETED, S.ACCEPTED, S.SUBMITTED]
    assert state["problems"] == []


def test_state_is_completed_when_every_part_is_completed_with_approval():
    world = BundleWorld(parts=3)
    application = world.submit()
    for case in cases_of(application):
        world.complete(case)
    state = bundle_selectors.bundle_state(application)
    assert state["state"] == "completed" and state["done"] == 3


def test_a_refused_part_is_shown_with_its_reason(client):
    world = BundleWorld(parts=3)
    application = world.submit()
    cases = cases_of(application)
    world.complete(cases[0])
    services.case_refuse(case_id=cases[1].pk, actor=world.clerk_of(cases[1]), reason="经营场所不符合卫生要求")
    state = bundle_selectors.bundle_state(application)
    assert state["state"] == "refused"
    assert [(p["case"].pk, p["problem"], p["reason"]) for p in state["problems"]] == [
        (cases[1].pk, "refused", "经营场所不符合卫生要求")
    ]
    assert state["done"] == 2

    client.force_login(world.applicant)
    page = client.get(application.get_absolute_url()).content.decode()
    assert "经营场所不符合卫生要求" in page and "bundle-state-refused" in page


def test_a_denied_part_counts_as_refused_with_its_legal_reason():
    world = BundleWorld(parts=2)
    application = world.submit()
    case = cases_of(application)[0]
    clerk, reviewer = world.clerk_of(case), world.reviewers[case.department_id]
    services.case_accept(case_id=case.pk, actor=clerk)
    services.case_start_review(case_id=case.pk, actor=clerk)
    services.case_deny(case_id=case.pk, actor=reviewer, reason="不符合法定条件")
    state = bundle_selectors.bundle_state(application)
    assert state["state"] == "refused"
    assert state["problems"][0]["problem"] == "denied" and state["problems"][0]["reason"] == "不符合法定条件"


def test_every_part_over_without_refusal_but_one_withdrawn_is_closed():
    world = BundleWorld(parts=2)
    application = world.submit()
    first, second = cases_of(application)
    world.complete(first)
    services.case_withdraw(case_id=second.pk, actor=world.applicant)
    state = bundle_selectors.bundle_state(application)
    assert state["state"] == "closed" and state["done"] == 2 and state["problems"] == []


# --- the application page ------------------------------------------------------------------


def test_the_application_page_shows_the_code_each_part_and_links_to_the_cases(client):
    world = BundleWorld(parts=3)
    application = world.submit()
    client.force_login(world.applicant)
    page = client.get(application.get_absolute_url()).content.decode()
    assert application.code in page
    for case in cases_of(application):
        assert case.department.name in page
        assert f'href="{reverse("approvals:case_detail", args=[case.pk])}">{case.supervision_code}</a>' in page
        assert f"state-{case.state}" in page
    assert "bundle-state-in_progress" in page


def test_who_may_see_the_application_page(client):
    world = BundleWorld(parts=2)
    application = world.submit()
    url = application.get_absolute_url()
    assert client.get(url).status_code == 302  # anonymous: to the log-in page
    client.force_login(world.applicant)
    assert client.get(url).status_code == 200
    client.force_login(UserFactory())
    assert client.get(url).status_code == 404
    client.force_login(StaffMembershipFactory().user)  # a clerk of a department with no part
    assert client.get(url).status_code == 404
    client.force_login(StaffMembershipFactory(supervisor=True).user)
    assert client.get(url).status_code == 200


def test_a_clerk_of_one_part_sees_the_page_and_opens_only_that_case(client):
    world = BundleWorld(parts=2)
    application = world.submit()
    mine, other = cases_of(application)
    client.force_login(world.clerk_of(mine))
    response = client.get(application.get_absolute_url())
    assert response.status_code == 200
    page = response.content.decode()
    assert reverse("approvals:case_detail", args=[mine.pk]) in page
    assert other.supervision_code in page
    assert reverse("approvals:case_detail", args=[other.pk]) not in page


def _queries_for_page(client, parts: int) -> int:
    world = BundleWorld(parts=parts)
    application = world.submit()
    cases = cases_of(application)
    world.complete(cases[0])
    services.case_refuse(case_id=cases[1].pk, actor=world.clerk_of(cases[1]), reason="不予受理")
    client.force_login(world.applicant)
    url = application.get_absolute_url()
    client.get(url)  # warm up session and caches
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def test_the_application_page_costs_the_same_queries_for_two_or_four_parts(client):
    assert _queries_for_page(client, 2) == _queries_for_page(client, 4)


# --- the public pages and the combined form ------------------------------------------------


def test_the_list_shows_published_bundles_with_their_departments(client):
    world = BundleWorld(parts=2)
    Bundle.objects.create(slug="draft-one", name="未发布的一件事")
    page = client.get(reverse("approvals:bundle_list")).content.decode()
    assert world.bundle.name in page and "未发布的一件事" not in page
    for implementation in world.implementations:
        assert implementation.department.name in page


def test_the_list_costs_the_same_queries_for_more_bundles(client):
    BundleWorld(parts=2)
    url = reverse("approvals:bundle_list")
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for _ in range(3):
        BundleWorld(parts=3, with_fields=False)
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    assert response.content.decode().count("bundle-card") == 4
    assert len(few) == len(many)


def test_the_detail_page_lists_parts_limits_and_each_material_once(client):
    world = BundleWorld(parts=3)
    page = client.get(world.bundle.get_absolute_url()).content.decode()
    for implementation in world.implementations:
        assert implementation.name in page and implementation.department.name in page
    assert page.count(f'<span class="fw-semibold">{SHARED}</span>') == 1
    assert reverse("approvals:bundle_apply", args=[world.bundle.slug]) in page
    bundle_services.bundle_retire(bundle=world.bundle)
    assert client.get(world.bundle.get_absolute_url()).status_code == 404


def test_the_combined_form_has_each_field_and_material_once(client):
    world = BundleWorld(parts=3)
    url = reverse("approvals:bundle_apply", args=[world.bundle.slug])
    assert client.get(url).status_code == 302  # log in first
    client.force_login(world.applicant)
    page = client.get(url).content.decode()
    assert page.count('name="f_shop_name"') == 1
    assert page.count('name="f_seats"') == 1
    assert page.count(f'name="{bundle_forms.material_key(SHARED)}"') == 1
    for index in range(3):
        assert page.count(f'name="{bundle_forms.material_key(f"专用材料{index}")}"') == 1
    assert re.search(r'name="token" value="[0-9a-f-]{36}"', page)


def _form_data(world, page: str) -> dict:
    data = {"token": re.search(r'name="token" value="([^"]+)"', page).group(1), "f_shop_name": "山城小面"}
    data["f_seats"] = "40"
    for name, upload in world.uploads().items():
        data[bundle_forms.material_key(name)] = upload
    return data


def test_posting_the_combined_form_applies_once_even_when_posted_twice(client):
    world = BundleWorld(parts=3)
    client.force_login(world.applicant)
    url = reverse("approvals:bundle_apply", args=[world.bundle.slug])
    page = client.get(url).content.decode()
    first = client.post(url, _form_data(world, page))
    second = client.post(url, _form_data(world, page))
    application = BundleApplication.objects.get()
    assert first.status_code == second.status_code == 302
    assert first.url == second.url == application.get_absolute_url()
    assert Case.objects.count() == 3
    assert [case.form_data for case in cases_of(application)] == [
        {"shop_name": "山城小面"},
        {"shop_name": "山城小面"},
        {"seats": "40"},
    ]


def test_the_combined_form_asks_for_missing_required_materials_and_creates_nothing(client):
    world = BundleWorld(parts=2)
    client.force_login(world.applicant)
    url = reverse("approvals:bundle_apply", args=[world.bundle.slug])
    data = _form_data(world, client.get(url).content.decode())
    del data[bundle_forms.material_key(SHARED)]
    response = client.post(url, data)
    assert response.status_code == 200
    assert response.context["form"].errors.get(bundle_forms.material_key(SHARED))
    assert not BundleApplication.objects.exists() and not Case.objects.exists()


def test_a_refusal_by_the_service_is_shown_on_the_form(client):
    world = BundleWorld(parts=2)
    client.force_login(world.applicant)
    url = reverse("approvals:bundle_apply", args=[world.bundle.slug])
    data = _form_data(world, client.get(url).content.decode())
    implementation_retire(implementation=world.implementations[0])
    response = client.post(url, data)
    assert response.status_code == 200
    assert world.implementations[0].name in str(response.context["form"].non_field_errors())
    assert not Case.objects.exists()


# --- hooks for tracking and My hall --------------------------------------------------------


def test_tracking_a_bundle_code_needs_the_mobile_digits():
    world = BundleWorld(parts=2)
    application = world.submit()
    last4 = world.applicant.mobile[-4:]
    found = bundle_selectors.bundle_track(code=application.code, mobile_last4=last4)
    assert found == application and found.progress["total"] == 2
    wrong = "0000" if last4 != "0000" else "1111"
    assert bundle_selectors.bundle_track(code=application.code, mobile_last4=wrong) is None
    assert bundle_selectors.bundle_track(code="500000", mobile_last4=last4) is None


def test_my_hall_lists_the_applicants_bundle_applications_with_progress():
    world = BundleWorld(parts=2)
    application = world.submit()
    world.complete(cases_of(application)[0])
    [listed] = bundle_selectors.bundle_application_list_for_applicant(user=world.applicant)
    assert listed == application and listed.progress["done"] == 1
    assert bundle_selectors.bundle_application_list_for_applicant(user=UserFactory()) == []


# --- admin ---------------------------------------------------------------------------------


def test_the_admin_lists_searches_and_filters_bundles(admin_client):
    world = BundleWorld(parts=2)
    Bundle.objects.create(slug="draft-one", name="未发布的一件事")
    url = reverse("admin:approvals_bundle_changelist")
    page = admin_client.get(url).content.decode()
    assert world.bundle.name in page and "未发布的一件事" in page
    page = admin_client.get(url, {"status__exact": "draft"}).content.decode()
    assert "未发布的一件事" in page and world.bundle.name not in page
    page = admin_client.get(url, {"q": world.implementations[0].name}).content.decode()
    assert world.bundle.name in page and "未发布的一件事" not in page
    edit = admin_client.get(reverse("admin:approvals_bundle_change", args=[world.bundle.pk]))
    assert edit.status_code == 200 and "parts-0-implementation" in edit.content.decode()


def test_the_publish_action_needs_published_parts(admin_client):
    ready = Bundle.objects.create(slug="ready", name="可发布")
    not_ready = Bundle.objects.create(slug="not-ready", name="有未发布的事项")
    for bundle, draft in ((ready, False), (not_ready, True)):
        for index in range(2):
            implementation = ImplementationFactory(draft=draft and index == 1)
            BundlePart.objects.create(bundle=bundle, implementation=implementation, order=index)
    response = admin_client.post(
        reverse("admin:approvals_bundle_changelist"),
        {"action": "publish", "_selected_action": [ready.pk, not_ready.pk]},
        follow=True,
    )
    text = response.content.decode()
    ready.refresh_from_db()
    not_ready.refresh_from_db()
    assert ready.status == Status.PUBLISHED
    assert not_ready.status == Status.DRAFT and "有未发布的事项" in text


def test_a_bundle_needs_two_parts_to_be_published():
    bundle = Bundle.objects.create(slug="lonely", name="只有一项")
    BundlePart.objects.create(bundle=bundle, implementation=ImplementationFactory())
    with pytest.raises(Exception, match="two parts"):
        bundle_services.bundle_publish(bundle=bundle)


def test_the_admin_shows_an_application_read_only_with_its_cases(admin_client):
    world = BundleWorld(parts=2)
    application = world.submit()
    assert admin_site.is_registered(BundleApplication)
    page = admin_client.get(reverse("admin:approvals_bundleapplication_change", args=[application.pk]))
    assert page.status_code == 200
    text = page.content.decode()
    assert application.code in text
    assert all(case.supervision_code in text for case in cases_of(application))


# --- demo ----------------------------------------------------------------------------------


@pytest.fixture(scope="class")
def demo_world(django_db_setup, django_db_blocker):
    """The demo city as ``seed_demo`` loads it up to the catalogue (``demo.world.seed_world``).

    Loaded once for the tests of ``TestDemo`` in a transaction rolled back when the class is
    done (a class, not the module: pytest-django runs the transactional tests of this module
    after these, and they need the transaction closed); each test runs in a savepoint within it.
    """
    from demo.world import seed_world

    with django_db_blocker.unblock(), transaction.atomic():
        world = seed_world()
        yield world.users, world.departments
        transaction.set_rollback(True)


class TestDemo:
    """The demo bundles and applications on the demo catalogue."""

    def test_demo_bundles_are_published_from_city_items_and_seeding_again_changes_nothing(self, demo_world):
        from demo.bundles import seed_bundles

        assert seed_bundles() >= 3
        bundles = Bundle.objects.filter(status=Status.PUBLISHED)
        assert bundles.count() >= 3
        names = set(bundles.values_list("name", flat=True))
        assert {"开办餐饮店", "新生儿出生", "开办企业"} <= names
        for bundle in bundles:
            parts = list(bundle.parts.select_related("implementation__region"))
            assert len(parts) >= 2
            assert all(part.implementation.region.code == "500000" for part in parts)
            assert all(part.implementation.status == Status.PUBLISHED for part in parts)
        restaurant = Bundle.objects.get(name="开办餐饮店")
        assert [p.implementation.name for p in restaurant.parts.all()] == [
            "企业设立登记", "食品经营许可", "公共场所卫生许可", "设置大型户外广告审批",
        ]  # fmt: skip
        parts_before = list(
            BundlePart.objects.order_by("pk").values_list("pk", "bundle_id", "implementation_id", "order")
        )
        assert seed_bundles() == bundles.count()
        assert list(BundlePart.objects.order_by("pk").values_list("pk", "bundle_id", "implementation_id", "order")) == (
            parts_before
        )
        assert Bundle.objects.count() == bundles.count()

    def test_demo_bundle_applications_are_made_once_through_the_service(self, demo_world):
        from demo.bundles import seed_bundle_applications, seed_bundles
        from demo.cases import STAFF, _department, seed_reviewers

        users, _departments = demo_world
        seed_reviewers({key: _department(key) for key in STAFF})
        seed_bundles()
        assert seed_bundle_applications(users) == 2
        cases = Case.objects.count()
        assert seed_bundle_applications(users) == 2
        assert BundleApplication.objects.count() == 2 and Case.objects.count() == cases
        restaurant = BundleApplication.objects.get(bundle__slug="open-restaurant")
        assert restaurant.applicant == users["enterprise_shancheng"]
        validate_supervision_code(restaurant.code)
        states = {case.implementation.name: case.state for case in restaurant.cases.select_related("implementation")}
        assert states["企业设立登记"] == S.COMPLETED
        assert bundle_selectors.bundle_state(restaurant)["state"] == "in_progress"
