"""Demo feedback for ``seed_demo``: ratings on completed demo cases, one bad review being put right,
an answered consultation shown on its guide page and a complaint waiting for follow-up.

Everything goes through the services; a second run finds the ratings and does nothing.
"""

from approvals.models import Case
from departments.models import StaffMembership
from evaluations.models import Inquiry, Rating
from evaluations.services import inquiry_answer, inquiry_create, rating_submit, rectification_step

SCORES = [5, 5, 4, 5, 3, 4, 5, 1, 5, 4, 2]


def _staff_of(department_id: int):
    membership = (
        StaffMembership.objects.filter(department_id=department_id, is_active=True)
        .exclude(role=StaffMembership.Role.SUPERVISOR)
        .select_related("user")
        .order_by("staff_number")
        .first()
    )
    return membership.user if membership else None


def seed_feedback(*, users: dict) -> int:
    """Rate the completed demo cases and add inquiries; return how many ratings exist."""
    if Rating.objects.exists():
        return Rating.objects.count()
    completed = list(Case.objects.filter(state=Case.State.COMPLETED).select_related("applicant").order_by("pk"))
    for case, stars in zip(completed, SCORES, strict=False):
        rating = rating_submit(
            case_id=case.pk, applicant=case.applicant, stars=stars, efficiency=min(5, stars + 1), attitude=stars,
            guide_accuracy=max(1, stars - 1), convenience=stars, comment="窗口人员耐心细致" if stars >= 4 else "",
        )  # fmt: skip
        clerk = _staff_of(rating.department_id)
        if rating.is_bad and clerk and stars == 1:
            rectification_step(rectification_id=rating.rectification.pk, actor=clerk, action="verify")
            rectification_step(
                rectification_id=rating.rectification.pk, actor=clerk, action="call_back", note="已电话回访申请人"
            )
    submitted = Case.objects.filter(applicant=users["citizen_wang"]).exclude(supervision_code=None).first()
    food = Case.objects.filter(implementation__name="食品经营许可", implementation__region__code="500000").first()
    if food is not None:
        consultation = inquiry_create(
            asker=users["citizen_li"], kind=Inquiry.Kind.CONSULTATION, subject="小餐馆需要办理哪些许可？",
            question="在渝中区开一家小面馆，除了营业执照还需要办理食品经营许可吗？", implementation=food.implementation,
            allow_publish=True,
        )  # fmt: skip
        clerk = _staff_of(consultation.department_id)
        if clerk:
            inquiry_answer(
                inquiry_id=consultation.pk, actor=clerk,
                answer="需要。取得营业执照后，可在本网站在线申请食品经营许可，一次不用跑，承诺3个工作日办结。",
            )  # fmt: skip
    if submitted is not None:
        inquiry_create(
            asker=users["citizen_wang"], kind=Inquiry.Kind.COMPLAINT, subject="补正通知不清楚",
            question="补正通知没有说明营业执照副本需要盖章，导致我跑了两次。", case=submitted,
        )  # fmt: skip
    return Rating.objects.count()
