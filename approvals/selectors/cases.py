"""Reads of cases, each scoped to what the asking user may see.

A citizen sees their own cases, drafts included; staff see their departments' cases, cases
their window received, and cases whose opinion was asked of their department; supervisors
see all and change nothing. No staff member or supervisor sees a draft. Anything else is
"not found".
"""

import base64
import datetime
import json
from dataclasses import dataclass

from django.db.models import OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.functional import SimpleLazyObject

from approvals.codes import SUPERVISION_CODE_RE
from approvals.models import Case, CaseEvent, CaseMaterial, CoReviewRequest, Material, SupplementRequest
from approvals.models.cases import QUEUE_STATES as QUEUE_STATE_VALUES
from approvals.selectors import calendar as calendar_selectors
from approvals.workflow import APPLICANT, CLOCK_RUNNING, CO_REVIEWER, HANDLING, OWN_PAGE, TRANSITIONS, Transition
from departments import access
from departments.models import Department
from portal.models import User

S = Case.State


@dataclass(frozen=True)
class Access:
    """What one user may see and do with cases (loaded once per request)."""

    user_id: int
    departments: dict[int, frozenset[str]]  # department id -> roles held there
    supervisor: bool

    @property
    def department_ids(self) -> list[int]:
        return list(self.departments)


def access_for(user) -> Access:
    departments, supervisor = access.roles_by_department(user)
    return Access(user.pk, departments, supervisor)


def _visible(access: Access) -> Q:
    """Return the cases ``access`` may see: a draft is its applicant's alone, never staff's or a supervisor's."""
    own = Q(applicant_id=access.user_id)
    submitted = ~Q(state=S.DRAFT)
    if access.supervisor:
        return own | submitted
    ids = access.department_ids
    return own | (
        submitted
        & (Q(department_id__in=ids) | Q(receiving_department_id__in=ids) | Q(co_reviews__department_id__in=ids))
    )


def case_get_for_user(*, user, case_id: int, access: Access | None = None) -> Case | None:
    """Return the case with what its page shows, or None if ``user`` may not see it."""
    access = access or access_for(user)
    return (
        Case.objects.filter(_visible(access), pk=case_id)
        .distinct()
        .select_related(
            "implementation__item", "implementation__region", "department", "receiving_department", "applicant",
            "assigned_to", "licence__licence_type",
        )
        .prefetch_related("assigned_to__memberships")
        .prefetch_related(
            Prefetch(
                "events",
                queryset=CaseEvent.objects.select_related("actor", "actor_department").prefetch_related(
                    "attachments", "actor__memberships"
                ),
            ),
            Prefetch("materials", queryset=CaseMaterial.objects.filter(replaced=False).select_related("material")),
            Prefetch("co_reviews", queryset=CoReviewRequest.objects.select_related("department", "answered_by")),
            "supplement_requests",
            "extension_requests",
        )
        .first()
    )  # fmt: skip


def case_material_get_for_user(*, user, material_id: int) -> CaseMaterial | None:
    """Return an uploaded case file if ``user`` may see its case."""
    access = access_for(user)
    visible = Case.objects.filter(_visible(access)).values("pk")
    return (
        CaseMaterial.objects.filter(pk=material_id, case_id__in=visible).exclude(file="").select_related("case").first()
    )


def available_actions(*, case: Case, user, access: Access | None = None) -> list[Transition]:
    """Return the transitions ``user`` may take on ``case`` now (for the buttons on its page)."""
    access = access or access_for(user)
    actions = []
    for rule in TRANSITIONS.values():
        if case.state not in rule.sources or rule.action in OWN_PAGE:
            continue
        if (
            (rule.actor == APPLICANT and case.applicant_id == user.pk)
            or (rule.actor == HANDLING and access.departments.get(case.department_id, frozenset()) & rule.roles)
            or (
                rule.actor == CO_REVIEWER
                and any(r.department_id in access.departments and r.answered_at is None for r in case.co_reviews.all())
            )
        ):
            actions.append(rule)
    pending_extension = any(e.approved is None for e in case.extension_requests.all())
    hidden = {"extend"} if not pending_extension else {"request_extension"}
    if any(a.action in {"pass_step", "approve", "deny"} for a in actions):
        steps_left = case.implementation.review_steps.count() > case.current_step
        hidden |= {"approve", "deny"} if steps_left else {"pass_step"}
    return [a for a in actions if a.action not in hidden]


def draft_get_for_applicant(*, applicant, implementation) -> Case | None:
    """Return the applicant's latest draft for the implementation, or None (the application form resumes it)."""
    return (
        Case.objects.filter(applicant=applicant, implementation=implementation, state=S.DRAFT)
        .order_by("-created_at")
        .first()
    )


def case_material_list(*, case: Case) -> list[CaseMaterial]:
    """Return what the case holds now for each material (replaced uploads left out), with the material."""
    return list(case.materials.filter(replaced=False).select_related("material"))


def case_material_list_for_applicant(*, user) -> QuerySet[CaseMaterial]:
    """Return the files ``user`` uploaded to their submitted cases, newest first, with the case each came from."""
    return (
        CaseMaterial.objects.filter(case__applicant=user, source=CaseMaterial.Source.UPLOAD, replaced=False)
        .exclude(file="")
        .exclude(case__state=S.DRAFT)
        .select_related("material", "case__implementation")
        .order_by("-uploaded_at", "-pk")
    )


def supplement_request_get_open(*, case: Case) -> SupplementRequest | None:
    """Return the case's supplement request still waiting for the applicant, or None.

    Reads the case's supplement requests as loaded (``case_get_for_user`` prefetches them).
    """
    return next((row for row in case.supplement_requests.all() if row.resolved_at is None), None)


def supplement_material_list(*, case: Case, request_row: SupplementRequest) -> list[Material]:
    """Return the materials a supplement request asks for; the item's first material when it names none."""
    wanted = [item["material"] for item in request_row.items if item.get("material")]
    return list(Material.objects.filter(pk__in=wanted)) or list(case.implementation.materials.all()[:1])


def applicant_get_by_mobile(*, mobile: str) -> User | None:
    """Return the active account registered with ``mobile`` (a window receiving for them), or None."""
    return User.objects.filter(mobile=mobile, is_active=True).first() if mobile else None


def window_get(*, access: Access, department_id: int) -> Department | None:
    """Return one of the user's departments, as the window receiving an application, or None."""
    if department_id not in access.departments:
        return None
    return Department.objects.filter(pk=department_id).first()


def case_list_for_applicant(*, user) -> QuerySet[Case]:
    return (
        Case.objects.filter(applicant=user)
        .select_related("implementation", "department", "rating__rectification")
        .prefetch_related("supplement_requests")
        .order_by("-created_at", "-id")
    )


def my_hall_cases(*, user, limit: int = 50) -> list[Case]:
    """Return the applicant's latest cases for My hall, each with its deadline ``light`` and ``next_step``.

    ``next_step`` is what the applicant can do now: ``continue`` a draft, ``supplement`` the
    materials asked for, ``rate`` a completed case (the rating slot decides whether it still
    can), ``none`` for a case that is over, ``wait`` while the department works.
    """
    threshold = light_threshold()
    rows = list(case_list_for_applicant(user=user)[:limit])
    for case in rows:
        case.light = light(case, threshold)
        case.next_step = _NEXT_STEP.get(case.state, "wait")
    return rows


_NEXT_STEP = {
    S.DRAFT: "continue",
    S.SUPPLEMENT: "supplement",
    S.COMPLETED: "rate",
    S.REFUSED: "none",
    S.WITHDRAWN: "none",
}


# --- lights --------------------------------------------------------------------------------


def light_threshold(day: datetime.date | None = None) -> tuple[datetime.date, datetime.date]:
    """Return (today, the last due date that is still "near"): two working days ahead."""
    day = day or timezone.localdate()
    return day, calendar_selectors.add_working_days(day, 2)


def light(case: Case, threshold: tuple[datetime.date, datetime.date]) -> str:
    """Return green, yellow or red for a case whose clock runs; "" otherwise."""
    day, near = threshold
    if case.state not in CLOCK_RUNNING or case.due_date is None:
        return ""
    if case.due_date < day:
        return "red"
    if case.due_date <= near:
        return "yellow"
    return "green"


def _light_filter(name: str, threshold) -> Q:
    day, near = threshold
    running = Q(state__in=CLOCK_RUNNING, due_date__isnull=False)
    if name == "red":
        return running & Q(due_date__lt=day)
    if name == "yellow":
        return running & Q(due_date__gte=day, due_date__lte=near)
    if name == "green":
        return running & Q(due_date__gt=near)
    return Q()


# --- the clerk's queue ---------------------------------------------------------------------


QUEUE_STATES = [S(state) for state in QUEUE_STATE_VALUES]


def encode_cursor(case: Case) -> str:
    raw = json.dumps([case.submitted_at.isoformat(), case.pk]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime.datetime, int] | None:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        stamp, pk = json.loads(raw)
        return datetime.datetime.fromisoformat(stamp), int(pk)
    except (ValueError, TypeError):
        return None


def case_queue(
    *,
    access: Access,
    department_id: int,
    state: str = "",
    implementation_id: int | None = None,
    light_name: str = "",
    mine: bool = False,
    received: bool = False,
    after: str = "",
    limit: int = 25,
) -> tuple[list[Case], str]:
    """Return one page of a department's queue, oldest first, and the cursor of the next page ("" if none).

    Keyset pagination on (submitted_at, id): no OFFSET and no COUNT, so page 1,000 costs
    what page 1 costs.
    """
    if department_id not in access.departments:
        return [], ""
    cases = Case.objects.filter(submitted_at__isnull=False)
    cases = (
        cases.filter(receiving_department_id=department_id) if received else cases.filter(department_id=department_id)
    )
    cases = cases.filter(state=state) if state else cases.filter(state__in=QUEUE_STATES)
    if implementation_id:
        cases = cases.filter(implementation_id=implementation_id)
    if mine:
        cases = cases.filter(assigned_to_id=access.user_id)
    threshold = light_threshold()
    if light_name:
        cases = cases.filter(_light_filter(light_name, threshold))
    position = decode_cursor(after) if after else None
    if position:
        stamp, pk = position
        # The first condition is implied by the second; it lets the index range start at the cursor.
        cases = cases.filter(Q(submitted_at__gte=stamp), Q(submitted_at__gt=stamp) | Q(submitted_at=stamp, pk__gt=pk))
    rows = list(
        cases.select_related("implementation", "applicant", "assigned_to", "department")
        .prefetch_related("assigned_to__memberships")
        .order_by("submitted_at", "pk")[: limit + 1]
    )
    for case in rows:
        case.light = light(case, threshold)
    next_cursor = encode_cursor(rows[limit - 1]) if len(rows) > limit else ""
    return rows[:limit], next_cursor


def co_review_inbox(*, access: Access) -> QuerySet[CoReviewRequest]:
    """Return the opinions asked of the user's departments that are still open."""
    return (
        CoReviewRequest.objects.filter(department_id__in=access.department_ids, answered_at__isnull=True)
        .select_related("case__implementation", "case__department", "department")
        .order_by("due_date", "pk")
    )


# --- tracking ------------------------------------------------------------------------------


@dataclass(frozen=True)
class TrackedCase:
    """A case found by tracking: ``version`` changes whenever what the result shows may change,
    and ``case``, with its timeline, is loaded only when the result is drawn afresh."""

    pk: int
    version: str
    case: Case


def _case_for_tracking(pk: int) -> Case:
    return (
        Case.objects.select_related("implementation", "department")
        .prefetch_related(Prefetch("events", queryset=CaseEvent.objects.select_related("actor_department")))
        .get(pk=pk)
    )


def case_track(*, code: str, mobile_last4: str) -> TrackedCase | None:
    """Return the case for a supervision code and the last 4 digits of its applicant's mobile, or None.

    A wrong pair and an unknown code give the same None. One query by the unique code checks the
    pair and reads the case's version (its last change and last timeline event).
    """
    code = (code or "").strip().upper()
    if not SUPERVISION_CODE_RE.match(code) or not (mobile_last4.isdigit() and len(mobile_last4) == 4):
        return None
    last_event = CaseEvent.objects.filter(case=OuterRef("pk")).order_by("-pk").values("pk")[:1]
    row = (
        Case.objects.filter(supervision_code=code)
        .annotate(last_event=Subquery(last_event))
        .values_list("pk", "updated_at", "last_event", "applicant__mobile")
        .first()
    )
    if row is None or not (row[3] or "").endswith(mobile_last4):
        return None
    pk, updated_at, last_event_id, _mobile = row
    return TrackedCase(
        pk=pk,
        version=f"{pk}:{updated_at.timestamp()}:{last_event_id}",
        case=SimpleLazyObject(lambda: _case_for_tracking(pk)),
    )


def membership_departments(access: Access) -> list:
    """Return the departments where the user handles cases, for the desk's department switcher."""
    return list(Department.objects.filter(pk__in=access.department_ids).select_related("region").order_by("name"))


def calendar_warning() -> list[int]:
    """Return this year and next if their official holiday schedule is missing (deadlines then count Mon-Fri)."""
    year = timezone.localdate().year
    return calendar_selectors.calendar_missing_years(years=[year, year + 1])


def colleagues(*, case: Case) -> list:
    """Return the staff of the handling department a case can be assigned to, with their staff numbers.

    The service accounts of the department's business systems (exchange app) hold a post too, but
    they take cases only through the API: they are not offered here.
    """
    return list(access.department_staff(case.department_id).filter(user__business_system__isnull=True))


def colleague_get(*, case: Case, user_id: int):
    """Return the person with a post in the case's handling department, or None (the desk's "assign to")."""
    post = access.department_staff(case.department_id).filter(user_id=user_id).first()
    return post.user if post else None


def department_implementations(*, department_id: int) -> list:
    """Return the implementations a department handles, for the desk's item filter."""
    from approvals.models import Implementation

    return list(Implementation.objects.filter(department_id=department_id).only("pk", "name").order_by("name"))
