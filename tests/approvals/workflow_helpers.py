"""Building cases in a given state through the real services (no state is set by hand)."""

import uuid

from approvals.models import Case, CoReviewRequest
from approvals.services import cases as services
from departments.models import StaffMembership
from tests.factories import (
    DepartmentFactory,
    ImplementationFactory,
    StaffMembershipFactory,
    UserFactory,
    pdf_upload,
)


class World:
    """An implementation, its department's clerk and reviewer, another department, an applicant."""

    def __init__(self, **implementation_kwargs):
        self.implementation = ImplementationFactory(**implementation_kwargs)
        self.department = self.implementation.department
        self.clerk = StaffMembershipFactory(department=self.department).user
        self.reviewer = StaffMembershipFactory(department=self.department, role=StaffMembership.Role.REVIEWER).user
        self.other_department = DepartmentFactory()
        self.other_clerk = StaffMembershipFactory(department=self.other_department).user
        self.applicant = UserFactory(with_id_number=True)

    def action_input(self) -> dict:
        """Return a valid value of every input a ``CASE_ACTIONS`` service takes; each action picks its own."""
        return {
            "comment": "",
            "reason": "理由",
            "items": [{"material": None, "name": "材料", "reason": ""}],
            "to_department": self.other_department,
            "departments": [self.other_department],
            "question": "",
            "opinion": CoReviewRequest.Opinion.AGREE,
            "days": 3,
            "approve": True,
        }

    def answers(self):
        return [services.MaterialAnswer(material=m, upload=pdf_upload()) for m in self.implementation.materials.all()]

    def submitted(self) -> Case:
        return services.case_save_application(
            applicant=self.applicant,
            implementation=self.implementation,
            token=uuid.uuid4(),
            form_data={},
            answers=self.answers(),
            submit=True,
        )

    def accepted(self) -> Case:
        return services.case_accept(case_id=self.submitted().pk, actor=self.clerk)

    def under_review(self) -> Case:
        return services.case_start_review(case_id=self.accepted().pk, actor=self.clerk)

    def in_state(self, state: str) -> Case:
        """Return a case brought to ``state`` by the services."""
        s = Case.State
        if state == s.DRAFT:
            return services.case_save_application(
                applicant=self.applicant, implementation=self.implementation, token=uuid.uuid4(), form_data={},
                answers=self.answers(), submit=False,
            )  # fmt: skip
        if state == s.SUBMITTED:
            return self.submitted()
        if state == s.TRANSFERRED:
            return services.case_transfer(
                case_id=self.submitted().pk, actor=self.clerk, to_department=self.other_department, reason="移送"
            )
        if state == s.ACCEPTED:
            return self.accepted()
        if state == s.REFUSED:
            return services.case_refuse(case_id=self.submitted().pk, actor=self.clerk, reason="不符合受理条件")
        if state == s.SUPPLEMENT:
            return services.case_request_supplement(
                case_id=self.accepted().pk, actor=self.clerk, items=[{"material": None, "name": "补充材料"}]
            )
        if state == s.UNDER_REVIEW:
            return self.under_review()
        if state == s.CO_REVIEW:
            return services.case_request_co_review(
                case_id=self.under_review().pk, actor=self.clerk, departments=[self.other_department], question="?"
            )
        if state == s.SUSPENDED:
            return services.case_suspend(case_id=self.under_review().pk, actor=self.clerk, reason="听证")
        if state == s.APPROVED:
            return services.case_approve(case_id=self.under_review().pk, actor=self.reviewer)
        if state == s.DENIED:
            return services.case_deny(case_id=self.under_review().pk, actor=self.reviewer, reason="不符合法定条件")
        if state == s.COMPLETED:
            return services.case_complete(case_id=self.in_state(s.APPROVED).pk, actor=self.clerk)
        if state == s.WITHDRAWN:
            return services.case_withdraw(case_id=self.submitted().pk, actor=self.applicant)
        raise AssertionError(state)
