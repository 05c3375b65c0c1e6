"""The case workflow: every allowed and refused transition, who may act, the timeline, notifications."""

import pytest

from approvals.forms.cases import CASE_ACTIONS
from approvals.models import Case, CaseEvent, CoReviewRequest, ReviewStep
from approvals.services import cases as services
from approvals.workflow import TRANSITIONS
from portal.models import Notification
from tests.approvals.workflow_helpers import World
from tests.factories import StaffMembershipFactory, UserFactory, pdf_upload

pytestmark = pytest.mark.django_db
S = Case.State


def run(action: str, case: Case, world: World, actor=None):
    """Take ``action`` on ``case`` as the natural actor for it, with valid arguments."""
    c = case.pk
    if TRANSITIONS[action].actor == "applicant":
        actor = actor or world.applicant
    elif action in {"approve", "deny", "extend"}:
        actor = actor or world.reviewer
    elif action == "give_opinion":
        actor = actor or world.other_clerk
    else:
        actor = actor or world.clerk
    if action == "submit":
        return services.case_submit(case_id=c, actor=actor)
    if action == "supplement":
        answers = [services.MaterialAnswer(material=None, upload=pdf_upload())]
        return services.case_supplement(case_id=c, actor=actor, answers=answers)
    return CASE_ACTIONS[action].call(case_id=c, actor=actor, data=world.action_input())


ALL_PAIRS = [(action, state) for action in TRANSITIONS for state in S.values]


@pytest.mark.parametrize(("action", "state"), [p for p in ALL_PAIRS if p[1] not in TRANSITIONS[p[0]].sources])
def test_the_table_refuses_every_transition_it_does_not_list(action, state):
    world = World()
    case = world.in_state(state)
    before = CaseEvent.objects.filter(case=case).count()
    with pytest.raises(services.WorkflowError):
        run(action, case, world)
    case.refresh_from_db()
    assert case.state == state
    assert CaseEvent.objects.filter(case=case).count() == before


EXPECTED = {
    ("submit", S.DRAFT): S.SUBMITTED,
    ("withdraw", S.SUBMITTED): S.WITHDRAWN,
    ("withdraw", S.TRANSFERRED): S.WITHDRAWN,
    ("withdraw", S.SUPPLEMENT): S.WITHDRAWN,
    ("withdraw", S.ACCEPTED): S.WITHDRAWN,
    ("withdraw", S.UNDER_REVIEW): S.WITHDRAWN,
    ("accept", S.SUBMITTED): S.ACCEPTED,
    ("refuse", S.SUBMITTED): S.REFUSED,
    ("request_supplement", S.SUBMITTED): S.SUPPLEMENT,
    ("request_supplement", S.ACCEPTED): S.SUPPLEMENT,
    ("request_supplement", S.UNDER_REVIEW): S.SUPPLEMENT,
    ("supplement", S.SUPPLEMENT): S.ACCEPTED,
    ("transfer", S.SUBMITTED): S.TRANSFERRED,
    ("accept", S.TRANSFERRED): S.ACCEPTED,
    ("refuse", S.TRANSFERRED): S.REFUSED,
    ("request_supplement", S.TRANSFERRED): S.SUPPLEMENT,
    ("start_review", S.ACCEPTED): S.UNDER_REVIEW,
    ("request_co_review", S.UNDER_REVIEW): S.CO_REVIEW,
    ("give_opinion", S.CO_REVIEW): S.UNDER_REVIEW,
    ("suspend", S.UNDER_REVIEW): S.SUSPENDED,
    ("resume", S.SUSPENDED): S.UNDER_REVIEW,
    ("request_extension", S.ACCEPTED): S.ACCEPTED,
    ("request_extension", S.UNDER_REVIEW): S.UNDER_REVIEW,
    ("request_extension", S.CO_REVIEW): S.CO_REVIEW,
    ("request_extension", S.SUSPENDED): S.SUSPENDED,
    ("approve", S.UNDER_REVIEW): S.APPROVED,
    ("deny", S.UNDER_REVIEW): S.DENIED,
    ("complete", S.APPROVED): S.COMPLETED,
    ("complete", S.DENIED): S.COMPLETED,
}


@pytest.mark.parametrize(("action", "state"), [p for p in ALL_PAIRS if p[1] in TRANSITIONS[p[0]].sources])
def test_every_listed_transition_happens_and_is_on_the_timeline(action, state):
    world = World()
    if action == "pass_step":
        ReviewStep.objects.create(implementation=world.implementation, order=1, name="初审", role="clerk")
    case = world.in_state(state)
    if action == "extend":
        services.case_request_extension(case_id=case.pk, actor=world.clerk, days=2, reason="复杂")
    if (action, state) == ("accept", S.TRANSFERRED) or (action, state) == ("refuse", S.TRANSFERRED):
        world.clerk = StaffMembershipFactory(department=world.other_department).user
    if (action, state) in {("request_supplement", S.TRANSFERRED), ("transfer", S.TRANSFERRED)}:
        world.clerk = StaffMembershipFactory(department=world.other_department).user
        world.other_department = world.department
    run(action, case, world)
    case.refresh_from_db()
    same_state = {"extend", "request_extension", "pass_step", "transfer"}
    expected = EXPECTED.get((action, state), state if action in same_state else None)
    assert expected is not None, (action, state)
    assert case.state == expected
    event = CaseEvent.objects.filter(case=case).order_by("-id").first()
    assert event.action in {action, "request_co_review"} or (action == "extend" and event.action == "extend")


def test_only_the_right_people_may_act():
    world = World()
    case = world.submitted()
    outsider = UserFactory()
    with pytest.raises(services.WorkflowError):
        services.case_accept(case_id=case.pk, actor=outsider)
    with pytest.raises(services.WorkflowError):
        services.case_accept(case_id=case.pk, actor=world.other_clerk)  # another department
    with pytest.raises(services.WorkflowError):
        services.case_withdraw(case_id=case.pk, actor=world.clerk)  # only the applicant withdraws
    supervisor = StaffMembershipFactory(department=world.department, supervisor=True).user
    with pytest.raises(services.WorkflowError):
        services.case_accept(case_id=case.pk, actor=supervisor)  # supervisors change nothing
    services.case_accept(case_id=case.pk, actor=world.clerk)
    case = services.case_start_review(case_id=case.pk, actor=world.clerk)
    with pytest.raises(services.WorkflowError):
        services.case_approve(case_id=case.pk, actor=world.clerk)  # deciding needs a reviewer


def test_refusal_and_denial_need_a_reason():
    world = World()
    with pytest.raises(services.WorkflowError):
        services.case_refuse(case_id=world.submitted().pk, actor=world.clerk, reason="  ")
    with pytest.raises(services.WorkflowError):
        services.case_deny(case_id=world.under_review().pk, actor=world.reviewer, reason="")


def test_submission_issues_a_valid_code_and_notifies(django_capture_on_commit_callbacks):
    from approvals.codes import validate_supervision_code

    world = World()
    with django_capture_on_commit_callbacks(execute=True):
        case = world.submitted()
    validate_supervision_code(case.supervision_code)
    assert case.supervision_code.startswith(world.implementation.region.code)
    received = Notification.objects.get(recipient=world.applicant, kind="case.received")
    assert case.supervision_code in received.title
    # The new application goes to the department inbox, not to each clerk in person.
    assert Notification.objects.filter(department=world.department, kind="case.submitted").exists()
    assert not Notification.objects.filter(recipient=world.clerk).exists()
    second = world.submitted()
    assert int(second.supervision_code[12:18]) == int(case.supervision_code[12:18]) + 1


def test_submit_refuses_when_a_required_material_is_missing():
    import uuid

    world = World()
    draft = services.case_save_application(
        applicant=world.applicant, implementation=world.implementation, token=uuid.uuid4(), form_data={}, answers=[],
        submit=False,
    )  # fmt: skip
    with pytest.raises(services.WorkflowError) as excinfo:
        services.case_submit(case_id=draft.pk, actor=world.applicant)
    assert world.implementation.materials.first().name in str(excinfo.value)


def test_commitment_and_later_materials_where_allowed():
    import uuid

    world = World()
    first, second = world.implementation.materials.all()
    first.commitment_allowed = True
    first.save()
    second.may_be_missing = True
    second.save()
    case = services.case_save_application(
        applicant=world.applicant, implementation=world.implementation, token=uuid.uuid4(), form_data={},
        answers=[services.MaterialAnswer(material=first, commitment=True),
                 services.MaterialAnswer(material=second, later=True)],
        submit=True,
    )  # fmt: skip
    assert case.state == S.SUBMITTED
    assert case.commitment_signed and case.missing_due_date


def test_co_review_waits_for_every_department():
    world = World()
    third = StaffMembershipFactory().department
    third_clerk = StaffMembershipFactory(department=third).user
    case = services.case_request_co_review(
        case_id=world.under_review().pk, actor=world.clerk, departments=[world.other_department, third]
    )
    case = services.case_give_opinion(case_id=case.pk, actor=world.other_clerk, opinion="agree")
    assert case.state == S.CO_REVIEW
    with pytest.raises(services.WorkflowError):
        services.case_give_opinion(case_id=case.pk, actor=world.other_clerk, opinion="agree")  # already answered
    case = services.case_give_opinion(case_id=case.pk, actor=third_clerk, opinion="disagree", comment="需补充")
    assert case.state == S.UNDER_REVIEW
    assert set(CoReviewRequest.objects.filter(case=case).values_list("opinion", flat=True)) == {"agree", "disagree"}


def test_configured_review_steps_run_in_order_with_a_parallel_co_review():
    world = World()
    third = StaffMembershipFactory().department
    third_clerk = StaffMembershipFactory(department=third).user
    ReviewStep.objects.create(implementation=world.implementation, order=1, name="初审", role="clerk")
    co = ReviewStep.objects.create(implementation=world.implementation, order=2, name="会签", is_co_review=True)
    co.co_departments.set([world.other_department, third])
    ReviewStep.objects.create(implementation=world.implementation, order=3, name="复审", role="reviewer")
    case = world.under_review()
    with pytest.raises(services.WorkflowError):
        services.case_approve(case_id=case.pk, actor=world.reviewer)  # steps not done
    with pytest.raises(services.WorkflowError):
        services.case_pass_step(case_id=case.pk, actor=world.other_clerk)  # not this step's department
    case = services.case_pass_step(case_id=case.pk, actor=world.clerk)
    assert case.state == S.CO_REVIEW and case.co_reviews.count() == 2
    services.case_give_opinion(case_id=case.pk, actor=world.other_clerk, opinion="agree")
    case = services.case_give_opinion(case_id=case.pk, actor=third_clerk, opinion="agree")
    assert case.state == S.UNDER_REVIEW and case.current_step == 2
    with pytest.raises(services.WorkflowError):
        services.case_pass_step(case_id=case.pk, actor=world.clerk)  # step 3 belongs to a reviewer
    services.case_pass_step(case_id=case.pk, actor=world.reviewer)
    assert services.case_approve(case_id=case.pk, actor=world.reviewer).state == S.APPROVED


def test_transfer_moves_the_case_to_the_competent_department():
    world = World()
    case = services.case_transfer(
        case_id=world.submitted().pk, actor=world.clerk, to_department=world.other_department, reason="不属于本部门"
    )
    assert case.department == world.other_department
    with pytest.raises(services.WorkflowError):
        services.case_accept(case_id=case.pk, actor=world.clerk)  # no longer theirs
    assert services.case_accept(case_id=case.pk, actor=world.other_clerk).state == S.ACCEPTED


def test_a_whole_journey_writes_a_complete_timeline():
    world = World()
    case = world.under_review()
    case = services.case_approve(case_id=case.pk, actor=world.reviewer, comment="符合条件")
    case = services.case_complete(case_id=case.pk, actor=world.clerk)
    actions = list(case.events.values_list("action", flat=True))
    assert actions == ["submit", "accept", "start_review", "approve", "complete"]
    assert all(e.actor_id for e in case.events.all())
    assert case.result == "approved" and case.completed_at and case.working_days_used is not None
    assert case.is_overdue is False
