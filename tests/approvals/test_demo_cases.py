"""The demo cases: every state of the workflow, made by the services, with a believable history.

The world is loaded as ``seed_demo`` loads it (the official calendar of last, this and next
year, regions, departments, demo accounts, their memberships, the catalogue), then
``seed_cases`` adds the cases: once for the whole module, inside a transaction rolled back
at its end (each test runs in a savepoint within it).
"""

import datetime

import chinese_calendar
import pytest
from django.core.files.storage import FileSystemStorage
from django.db import transaction
from django.utils import timezone

from approvals.codes import validate_supervision_code
from approvals.models import Case, CaseMaterial
from approvals.selectors import calendar as calendar_selectors
from approvals.workflow import CLOCK_RUNNING
from demo.cases import seed_cases
from demo.world import seed_world

pytestmark = pytest.mark.django_db

S = Case.State


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    """Load the demo world and its cases once for the module; everything is rolled back at the end."""
    storage = FileSystemStorage(location=tmp_path_factory.mktemp("private"))
    with pytest.MonkeyPatch.context() as patch, django_db_blocker.unblock(), transaction.atomic():
        patch.setattr(CaseMaterial._meta.get_field("file"), "storage", storage)
        users = seed_world().users
        yield users, seed_cases(users=users)
        transaction.set_rollback(True)


@pytest.fixture
def seeded(world):
    return world[1]


@pytest.fixture
def users(world):
    return world[0]


def test_every_state_at_least_twice(seeded):
    assert seeded == Case.objects.count() >= 35
    counts = {state: Case.objects.filter(state=state).count() for state in S.values}
    assert all(n >= 2 for n in counts.values()), counts
    assert Case.objects.filter(form_data__demo=True).count() == seeded


def test_applicants_fit_the_item_audience(seeded):
    for case in Case.objects.select_related("applicant", "implementation__item"):
        assert case.implementation.item.audience in {case.applicant.kind, "both"}, case.implementation.name


def test_some_open_cases_are_overdue_and_some_near_due(seeded):
    today = timezone.localdate()
    running = Case.objects.filter(state__in=CLOCK_RUNNING, due_date__isnull=False)
    overdue = running.filter(due_date__lt=today)
    assert overdue.exists() and all(case.is_overdue for case in overdue)
    assert running.filter(due_date__gte=today, due_date__lte=calendar_selectors.add_working_days(today, 2)).exists()
    assert Case.objects.filter(state=S.COMPLETED, is_overdue=True).exists()
    assert not Case.objects.filter(state=S.COMPLETED, working_days_used__isnull=True).exists()


def _official_working_days_before(day: datetime.date, count: int) -> datetime.date:
    """Count working days back from ``day`` by the State Council's schedule itself (chinese-calendar).

    Years the package does not know yet count Monday to Friday, as the hall documents.
    """
    while count:
        day -= datetime.timedelta(days=1)
        try:
            working = chinese_calendar.is_workday(day)
        except NotImplementedError:
            working = day.weekday() < 5
        count -= working
    return day


def test_history_spreads_over_two_months_of_working_days_and_stays_in_the_past(seeded):
    now = timezone.now()
    today = timezone.localdate()
    submitted = Case.objects.exclude(state=S.DRAFT)
    assert submitted.filter(submitted_at__lt=now - datetime.timedelta(days=30)).exists()
    oldest = timezone.localtime(submitted.order_by("submitted_at").first().submitted_at).date()
    assert oldest >= _official_working_days_before(today, 44)
    assert not Case.objects.filter(created_at__gt=now).exists()
    for case in submitted:
        assert case.created_at <= case.submitted_at
        if case.accepted_at:
            assert case.submitted_at <= case.accepted_at
        if case.completed_at:
            assert case.accepted_at <= case.decided_at <= case.completed_at


def test_codes_are_valid_and_timelines_in_order(seeded):
    submitted = Case.objects.exclude(state=S.DRAFT).prefetch_related("events")
    assert submitted.count() >= 30
    for case in submitted:
        validate_supervision_code(case.supervision_code)
        events = sorted(case.events.all(), key=lambda event: event.pk)
        times = [event.created_at for event in events]
        assert times == sorted(times), case.supervision_code
        assert events[0].action == "submit"
        assert abs(events[0].created_at - case.submitted_at) < datetime.timedelta(seconds=1)
        assert times[-1] <= timezone.now()
    assert not Case.objects.filter(state=S.DRAFT, events__isnull=False).exists()


def test_co_reviews_ask_departments_with_demo_staff(seeded):
    co_review = Case.objects.filter(state=S.CO_REVIEW)
    asked = {request.department for case in co_review for request in case.co_reviews.all()}
    assert asked and all(d.memberships.filter(role="clerk").exists() for d in asked)
    assert all(request.requested_at <= timezone.now() for case in co_review for request in case.co_reviews.all())
    answered = Case.objects.filter(co_reviews__answered_at__isnull=False).distinct()
    assert answered.filter(state=S.COMPLETED).exists()


def test_a_case_received_at_another_window(seeded, users):
    case = Case.objects.get(receiving_department__isnull=False)
    assert case.receiving_department.name == "重庆市渝中区市场监督管理局"
    assert case.department.name == "重庆市江北区公安局"
    assert case.received_by == users["clerk_yz_scj"]
    assert case.state == S.SUBMITTED


def test_seeding_again_adds_nothing(seeded, users):
    events = Case.objects.values_list("events", flat=True).count()
    assert seed_cases(users=users) == seeded == Case.objects.count()
    assert Case.objects.values_list("events", flat=True).count() == events
