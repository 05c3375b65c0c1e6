"""The supervision store: incremental counters in ``DailyStat`` and their rebuild from scratch.

Every counted fact adds to one row keyed by (day, department, implementation, clerk) in the
transaction that records the fact: case events through ``approvals.signals.case_event``,
ratings, closed rectifications and new consultations or complaints through their services.
``rebuild`` recomputes the same numbers from the source tables with set-based queries; a
test proves the two agree. Days are local (Asia/Shanghai) dates.
"""

import datetime

from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, F, OuterRef, Q, Sum, Value
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from approvals.models import Case, CaseEvent
from evaluations.models import DailyStat, Inquiry, Rating, Rectification, RectificationEvent

STAFF_COUNTED = {"accept", "refuse", "complete"}


def local_day(moment: datetime.datetime) -> datetime.date:
    return timezone.localtime(moment).date()


def bump(*, day, department_id: int, implementation_id: int | None, region_id: int, clerk_id: int | None, **increments):
    """Add ``increments`` to the row of this key, creating it if needed (safe under concurrency)."""
    key = {
        "day": day,
        "department_id": department_id,
        "implementation_id": implementation_id,
        "clerk_key": clerk_id or 0,
    }
    updated = DailyStat.objects.filter(**key).update(**{name: F(name) + value for name, value in increments.items()})
    if updated:
        return
    try:
        with transaction.atomic():
            DailyStat.objects.create(region_id=region_id, **key, **increments)
    except IntegrityError:
        DailyStat.objects.filter(**key).update(**{name: F(name) + value for name, value in increments.items()})


def take(*, day, department_id: int, implementation_id: int | None, clerk_id: int | None, **decrements) -> None:
    """Subtract ``decrements`` from the row of this key, which holds them (counted there before).

    The counters are never negative: only a row that holds at least the amounts is changed. A
    row left with every counter at 0 is deleted, as a rebuild would not write it.
    """
    key = {
        "day": day,
        "department_id": department_id,
        "implementation_id": implementation_id,
        "clerk_key": clerk_id or 0,
    }
    rows = DailyStat.objects.filter(**key)
    rows.filter(**{f"{name}__gte": value for name, value in decrements.items()}).update(
        **{name: F(name) - value for name, value in decrements.items()}
    )
    rows.filter(**dict.fromkeys(DailyStat.COUNTERS, 0)).delete()


def on_case_event(sender, case: Case, event: CaseEvent, **kwargs) -> None:
    """Count a case event: received on submit, accepted, refused, completed with its timing."""
    action = event.action
    if action == "transfer":
        _move_received(case, event)
        return
    if action not in {"submit", *STAFF_COUNTED}:
        return
    implementation = case.implementation
    common = {
        "day": local_day(event.created_at),
        "department_id": event.department_id or case.department_id,
        "implementation_id": implementation.pk,
        "region_id": implementation.region_id,
        "clerk_id": event.actor_id if action in STAFF_COUNTED else None,
    }
    if action == "submit":
        bump(**common, received=1)
    elif action == "accept":
        bump(**common, accepted=1)
    elif action == "refuse":
        bump(**common, refused=1)
    elif action == "complete":
        bump(
            **common,
            completed=1,
            approved=1 if case.result == Case.Result.APPROVED else 0,
            on_time=0 if case.is_overdue else 1,
            overdue=1 if case.is_overdue else 0,
            days_used=case.working_days_used or 0,
            days_committed=case.committed_limit_days or implementation.committed_limit_days,
            days_statutory=case.statutory_limit_days or implementation.statutory_limit_days,
        )
        _count_completion_of_acceptance(case, implementation)


def _move_received(case: Case, event: CaseEvent) -> None:
    """Move the case's "received" from the department it leaves to the one it is transferred to.

    A case counts, received included, for the department that handled it to the end. The count
    stays on the submit day and in the row of the case's implementation (the item applied for)
    and its region: department figures follow the transfer, item and district figures stay
    with the item applied for.
    """
    earlier = (
        CaseEvent.objects.filter(case=case, action__in=["submit", "transfer"])
        .exclude(pk=event.pk)
        .order_by("-created_at", "-id")
        .values_list("department_id", flat=True)
    )
    submitted = CaseEvent.objects.filter(case=case, action="submit").order_by("created_at", "id").first()
    leaving = earlier.first()
    if submitted is None or leaving is None or leaving == event.department_id:
        return
    implementation = case.implementation
    key = {"day": local_day(submitted.created_at), "implementation_id": implementation.pk, "clerk_id": None}
    take(**key, department_id=leaving, received=1)
    bump(**key, department_id=event.department_id, region_id=implementation.region_id, received=1)


def _count_completion_of_acceptance(case: Case, implementation) -> None:
    """Add the completed case to the row its acceptance was counted in (the completion rate's cohort)."""
    accept = (
        CaseEvent.objects.filter(case=case, action="accept")
        .order_by("-created_at", "-id")
        .values("created_at", "department_id", "actor_id")
        .first()
    )
    if accept is None:
        return
    bump(
        day=local_day(accept["created_at"]),
        department_id=accept["department_id"] or case.department_id,
        implementation_id=implementation.pk,
        region_id=implementation.region_id,
        clerk_id=accept["actor_id"],
        accepted_completed=1,
    )


def on_rating(rating: Rating) -> None:
    bump(
        day=local_day(rating.created_at),
        department_id=rating.department_id,
        implementation_id=rating.implementation_id,
        region_id=rating.region_id,
        clerk_id=rating.clerk_id,
        **_rating_counters(rating),
    )


def _rating_counters(rating: Rating) -> dict:
    return {
        "ratings": 1,
        "ratings_satisfied": 1 if rating.stars >= 3 else 0,
        "stars": rating.stars,
        "attitude": rating.attitude,
        "bad_reviews": 1 if rating.stars <= 2 else 0,
    }


def on_appeal_upheld(rectification: Rectification) -> None:
    """An upheld appeal (malicious review): the review leaves the satisfaction and rectification figures."""
    rating = rectification.rating
    take(
        day=local_day(rating.created_at),
        department_id=rating.department_id,
        implementation_id=rating.implementation_id,
        clerk_id=rating.clerk_id,
        **_rating_counters(rating),
    )


def on_rectification_closed(rectification: Rectification) -> None:
    """Count a bad review as rectified when its rectification is closed after being rectified.

    Closing straight after a rejected appeal is not a rectification: the review stays a bad
    review that was not put right.
    """
    closing = (
        RectificationEvent.objects.filter(rectification=rectification, action="close")
        .order_by("-created_at", "-id")
        .values_list("from_state", flat=True)
        .first()
    )
    if closing != Rectification.State.RECTIFIED:
        return
    rating = rectification.rating
    # Counted on the day of the review it puts right, in the review's row (a cohort, like the
    # completion rate): a period's rectification progress is then the share of ITS bad reviews
    # rectified so far, never above 100 % (before, counted on the day of closing: 200 % seen).
    bump(
        day=local_day(rating.created_at),
        department_id=rating.department_id,
        implementation_id=rating.implementation_id,
        region_id=rating.region_id,
        clerk_id=rating.clerk_id,
        rectified=1,
    )


def on_inquiry(inquiry: Inquiry) -> None:
    """Count a consultation or complaint for the department it names, and its item if it names one.

    One that names only a department is counted in that department's row without an item
    (``implementation`` empty, the department's region).
    """
    implementation = inquiry.implementation or (inquiry.case.implementation if inquiry.case_id else None)
    bump(
        day=local_day(inquiry.created_at),
        department_id=inquiry.department_id,
        implementation_id=implementation.pk if implementation else None,
        region_id=implementation.region_id if implementation else inquiry.department.region_id,
        clerk_id=None,
        consultations=1 if inquiry.kind == Inquiry.Kind.CONSULTATION else 0,
        complaints=1 if inquiry.kind == Inquiry.Kind.COMPLAINT else 0,
    )


def _merge(rows, into: dict, mapping: dict[str, str]) -> None:
    for row in rows:
        key = (row["day"], row["department_id"], row["implementation_id"], row["clerk_key"])
        target = into.setdefault(key, {"region_id": row["region_id"]})
        for counter, source in mapping.items():
            target[counter] = target.get(counter, 0) + (row[source] or 0)


@transaction.atomic
def rebuild() -> int:
    """Recompute every ``DailyStat`` row from the source tables; return the number of rows."""
    tz = timezone.get_current_timezone()
    totals: dict[tuple, dict] = {}
    events = CaseEvent.objects.filter(action__in=["submit", *STAFF_COUNTED]).annotate(
        day=TruncDate("created_at", tzinfo=tz),
        department_key=Coalesce("department_id", "case__department_id"),
        implementation_id=F("case__implementation_id"),
        region_id=F("case__implementation__region_id"),
        clerk_key=Coalesce("actor_id", Value(0)),
    )
    # Received counts for the department the case is with now (after any transfers), on the submit
    # day, in the row of the case's implementation (the item applied for) and its region.
    submitted = events.filter(action="submit").values(
        "day", "implementation_id", "region_id", final_department=F("case__department_id")
    )
    _merge(
        ({**r, "department_id": r["final_department"], "clerk_key": 0} for r in submitted.annotate(n=Count("id"))),
        totals,
        {"received": "n"},
    )
    staff = events.exclude(action="submit").values(
        "day", "department_key", "implementation_id", "region_id", "clerk_key"
    )
    counted = staff.annotate(
        accepted_n=Count("id", filter=Q(action="accept")),
        refused_n=Count("id", filter=Q(action="refuse")),
        completed_n=Count("id", filter=Q(action="complete")),
        approved_n=Count("id", filter=Q(action="complete", case__result=Case.Result.APPROVED)),
        on_time_n=Count("id", filter=Q(action="complete", case__is_overdue=False)),
        overdue_n=Count("id", filter=Q(action="complete", case__is_overdue=True)),
        used=Sum("case__working_days_used", filter=Q(action="complete")),
        committed=Sum(
            Coalesce("case__committed_limit_days", "case__implementation__committed_limit_days"),
            filter=Q(action="complete"),
        ),
        statutory=Sum(
            Coalesce("case__statutory_limit_days", "case__implementation__statutory_limit_days"),
            filter=Q(action="complete"),
        ),
    )
    # The completion rate's numerator: completed cases, counted in the row of their acceptance.
    accepted_completed = (
        events.filter(action="accept")
        .filter(Exists(CaseEvent.objects.filter(case_id=OuterRef("case_id"), action="complete")))
        .values("day", "department_key", "implementation_id", "region_id", "clerk_key")
        .annotate(n=Count("id"))
    )
    _merge(
        ({**r, "department_id": r["department_key"]} for r in accepted_completed),
        totals,
        {"accepted_completed": "n"},
    )
    _merge(
        ({**r, "department_id": r["department_key"]} for r in counted),
        totals,
        {
            "accepted": "accepted_n", "refused": "refused_n", "completed": "completed_n", "approved": "approved_n",
            "on_time": "on_time_n", "overdue": "overdue_n", "days_used": "used", "days_committed": "committed",
            "days_statutory": "statutory",
        },
    )  # fmt: skip
    # A review whose appeal was upheld (a malicious review) is not counted at all.
    ratings = (
        Rating.objects.exclude(rectification__state=Rectification.State.UPHELD)
        .annotate(day=TruncDate("created_at", tzinfo=tz), clerk_key=Coalesce("clerk_id", Value(0)))
        .values("day", "department_id", "implementation_id", "region_id", "clerk_key")
        .annotate(
            n=Count("id"),
            satisfied=Count("id", filter=Q(stars__gte=3)),
            bad=Count("id", filter=Q(stars__lte=2)),
            stars_sum=Sum("stars"),
            attitude_sum=Sum("attitude"),
        )
    )
    _merge(ratings, totals, {"ratings": "n", "ratings_satisfied": "satisfied", "stars": "stars_sum",
                             "attitude": "attitude_sum", "bad_reviews": "bad"})  # fmt: skip
    rectified = (
        Rectification.objects.filter(closed_at__isnull=False, state=Rectification.State.CLOSED)
        .filter(
            Exists(
                RectificationEvent.objects.filter(
                    rectification_id=OuterRef("pk"), action="close", from_state=Rectification.State.RECTIFIED
                )
            )
        )
        .annotate(
            day=TruncDate("rating__created_at", tzinfo=tz),
            department_key=F("rating__department_id"),
            implementation_id=F("rating__implementation_id"),
            region_id=F("rating__region_id"),
            clerk_key=Coalesce("rating__clerk_id", Value(0)),
        )
        .values("day", "department_key", "implementation_id", "region_id", "clerk_key")
        .annotate(n=Count("id"))
    )
    _merge(({**r, "department_id": r["department_key"]} for r in rectified), totals, {"rectified": "n"})
    inquiries = (
        Inquiry.objects.annotate(
            day=TruncDate("created_at", tzinfo=tz),
            implementation_key=Coalesce("implementation_id", "case__implementation_id"),
        )
        .annotate(
            region_id=Coalesce("implementation__region_id", "case__implementation__region_id", "department__region_id"),
            clerk_key=Value(0),
        )
        .values("day", "department_id", "implementation_key", "region_id", "clerk_key")
        .annotate(
            consultations_n=Count("id", filter=Q(kind=Inquiry.Kind.CONSULTATION)),
            complaints_n=Count("id", filter=Q(kind=Inquiry.Kind.COMPLAINT)),
        )
    )
    _merge(
        ({**r, "implementation_id": r["implementation_key"]} for r in inquiries),
        totals,
        {"consultations": "consultations_n", "complaints": "complaints_n"},
    )
    DailyStat.objects.all().delete()
    DailyStat.objects.bulk_create(
        [
            DailyStat(day=day, department_id=department, implementation_id=implementation, clerk_key=clerk, **values)
            for (day, department, implementation, clerk), values in totals.items()
        ],
        batch_size=2000,
    )
    return len(totals)
