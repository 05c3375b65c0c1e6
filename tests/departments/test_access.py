"""One rule for acting for a department: an active post in an active department, checked everywhere.

Each entry point that acts for a department is tried by a person whose post was ended and by a
person whose department was closed; both must be refused the same way as a stranger. Then a
source scan checks that no module outside ``departments/access.py`` writes its own role check.
"""

import pathlib
import re

import pytest
from django.urls import reverse

from approvals.models import Case, Licence
from approvals.services import cases as services
from approvals.services.licences import LicenceError, licence_revoke
from departments import access
from departments.models import StaffMembership
from tests.approvals.workflow_helpers import World
from tests.factories import LicenceTypeFactory, MessageFactory

pytestmark = pytest.mark.django_db

ROOT = pathlib.Path(__file__).resolve().parents[2]


def _lose_post(world: World, how: str) -> None:
    """End the clerk's and reviewer's posts, or close their department."""
    if how == "post_ended":
        StaffMembership.objects.filter(department=world.department).update(is_active=False)
    else:
        world.department.is_active = False
        world.department.save(update_fields=["is_active"])


LOSSES = ["post_ended", "department_closed"]


def test_an_acting_post_is_found_and_answers_each_question():
    world = World()
    assert access.may_act(world.clerk, world.department.pk)
    assert access.post_for(world.clerk, world.department.pk).user == world.clerk
    assert not access.may_act(world.clerk, world.department.pk, access.DECIDING_ROLES)
    assert access.may_act(world.reviewer, world.department.pk, access.DECIDING_ROLES)
    assert not access.may_act(world.clerk, world.other_department.pk)
    assert access.roles_held(world.clerk) == {StaffMembership.Role.CLERK}
    assert access.roles_by_department(world.clerk) == ({world.department.pk: {StaffMembership.Role.CLERK}}, False)
    assert not access.is_supervisor(world.clerk)
    assert not access.may_act(world.applicant, world.department.pk)


@pytest.mark.parametrize("how", LOSSES)
def test_every_question_says_no_once_the_post_is_lost(how):
    world = World()
    _lose_post(world, how)
    assert not access.may_act(world.clerk, world.department.pk)
    assert access.post_for(world.reviewer, world.department.pk, access.DECIDING_ROLES) is None
    assert access.roles_held(world.clerk) == frozenset()
    assert access.roles_by_department(world.clerk) == ({}, False)
    assert list(access.department_staff(world.department.pk)) == []


@pytest.mark.parametrize("how", LOSSES)
def test_a_lost_post_cannot_accept_assign_or_decide(how):
    world = World()
    submitted = world.submitted()
    _lose_post(world, how)
    with pytest.raises(services.WorkflowError):
        services.case_accept(case_id=submitted.pk, actor=world.clerk)
    with pytest.raises(services.WorkflowError):
        services.case_assign(case_id=submitted.pk, actor=world.clerk, assignee=world.clerk)
    assert Case.objects.get(pk=submitted.pk).state == Case.State.SUBMITTED


@pytest.mark.parametrize("how", LOSSES)
def test_a_lost_post_cannot_give_a_co_review_opinion(how):
    """Before, a co-reviewer's post was accepted even when their department had been closed."""
    world = World()
    case = services.case_request_co_review(
        case_id=world.under_review().pk, actor=world.clerk, departments=[world.other_department], question="意见？"
    )
    if how == "post_ended":
        StaffMembership.objects.filter(department=world.other_department).update(is_active=False)
    else:
        world.other_department.is_active = False
        world.other_department.save(update_fields=["is_active"])
    with pytest.raises(services.WorkflowError):
        services.case_give_opinion(case_id=case.pk, actor=world.other_clerk, opinion="agree")
    assert Case.objects.get(pk=case.pk).state == Case.State.CO_REVIEW


@pytest.mark.parametrize("how", LOSSES)
def test_a_lost_post_cannot_revoke_a_licence(how):
    """Before, revocation checked the post but not whether the issuing department was still open."""
    world = World()
    licence = Licence.objects.create(
        licence_type=LicenceTypeFactory(),
        number="渝测试〔2026〕1号",
        holder=world.applicant,
        holder_name=world.applicant.real_name,
        issuing_department=world.department,
        issued_on="2026-01-05",
    )
    assert access.may_act(world.reviewer, world.department.pk, access.DECIDING_ROLES)
    _lose_post(world, how)
    with pytest.raises(LicenceError):
        licence_revoke(licence_id=licence.pk, actor=world.reviewer, reason="吊销")
    licence.refresh_from_db()
    assert licence.revoked_at is None


@pytest.mark.parametrize("how", LOSSES)
def test_a_lost_post_loses_the_desk_and_the_department_inbox(client, how):
    world = World()
    MessageFactory(recipient=None, department=world.department, title="新申请")
    client.force_login(world.clerk)
    inbox = reverse("portal:message_list") + "?box=department"
    assert client.get(reverse("approvals:staff_desk")).status_code == 200
    assert [m.title for m in client.get(inbox).context["page"]] == ["新申请"]
    _lose_post(world, how)
    assert client.get(reverse("approvals:staff_desk")).status_code == 403
    page = client.get(inbox)
    assert page.context["box"] == "mine"
    assert "新申请" not in page.content.decode()


# Modules that read posts for display (staff numbers, an account's list of its own posts) or
# create them (a business system's service account), never to decide who may act.
SCAN_ALLOWED = {
    "departments/access.py": "the rule itself",
    "departments/selectors.py": "an account lists its own posts",
    "departments/admin.py": "the admin edits posts",
    "evaluations/selectors/supervision.py": "staff numbers shown beside a clerk's figures",
    "exchange/services.py": "a business system's service account is given its post",
}
ROLE_CHECK = re.compile(r"StaffMembership\.objects|memberships__(is_active|role)|\.memberships\.filter")


def test_no_module_outside_access_writes_its_own_role_check():
    offenders = []
    for app in ["portal", "departments", "approvals", "evaluations", "exchange", "hall"]:
        for path in (ROOT / app).rglob("*.py"):
            relative = path.relative_to(ROOT).as_posix()
            if "/migrations/" in relative or relative in SCAN_ALLOWED:
                continue
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if ROLE_CHECK.search(line):
                    offenders.append(f"{relative}:{number}: {line.strip()}")
    assert offenders == []
