"""A small city for the browser tests, built with the factories and the real services.

One licensing item handled by a market-regulation bureau (two materials, three form fields,
a licence on completion), a health commission asked for co-review, their clerks and
reviewer, a supervisor, an admin, a citizen with one completed and rated case (a licence in
the wallet) and one case waiting on the desk.
"""

import uuid
from dataclasses import dataclass

from approvals.models import Case, FormField, Implementation
from approvals.services import cases as case_services
from departments.models import Department, StaffMembership
from evaluations import services as evaluation_services
from portal.models import User
from tests.approvals.workflow_helpers import World
from tests.e2e.conftest import PASSWORD
from tests.factories import (
    DepartmentFactory,
    ItemFactory,
    LicenceTypeFactory,
    StaffMembershipFactory,
    ThemeFactory,
    UserFactory,
    pdf_upload,
)

ITEM_NAME = "食品经营许可"


@dataclass
class Hall:
    implementation: Implementation
    department: Department
    other_department: Department
    clerk: User
    reviewer: User
    other_clerk: User
    supervisor: User
    admin: User
    citizen: User
    completed_case: Case
    waiting_case: Case


def add_form_fields(implementation: Implementation) -> None:
    """Give the implementation a text, a choice and a number field (all required but the number)."""
    FormField.objects.create(
        implementation=implementation, name="premises", label="经营场所", kind=FormField.Kind.TEXT, sort_order=1
    )
    FormField.objects.create(
        implementation=implementation,
        name="category",
        label="经营类别",
        kind=FormField.Kind.CHOICE,
        choices="餐饮服务\n食品销售",
        sort_order=2,
    )
    FormField.objects.create(
        implementation=implementation,
        name="area",
        label="经营面积（平方米）",
        kind=FormField.Kind.NUMBER,
        required=False,
        sort_order=3,
    )


def submit_case(*, applicant: User, implementation: Implementation) -> Case:
    answers = [
        case_services.MaterialAnswer(material=m, upload=pdf_upload("材料.pdf")) for m in implementation.materials.all()
    ]
    return case_services.case_save_application(
        applicant=applicant,
        implementation=implementation,
        token=uuid.uuid4(),
        form_data={"premises": "渝中区解放碑步行街 8 号", "category": "餐饮服务", "area": "60"},
        answers=answers,
        submit=True,
    )


def build_hall() -> Hall:
    theme = ThemeFactory(slug="start-business", name="开办企业")
    item = ItemFactory(code="XK00099001", name=ITEM_NAME, keywords="餐饮 食品 小吃店")
    item.themes.add(theme)
    world = World(
        item=item,
        department__name="重庆市市场监督管理局",
        department__short_name="市市场监管局",
        issues_licence=LicenceTypeFactory(code="food-licence", name="食品经营许可证"),
    )
    for user in (world.clerk, world.reviewer, world.other_clerk, world.applicant):
        user.set_password(PASSWORD)
        user.save(update_fields=["password"])
    world.applicant.real_name = "李明"
    world.applicant.save(update_fields=["real_name"])
    world.other_department.name = "重庆市卫生健康委员会"
    world.other_department.save(update_fields=["name"])
    add_form_fields(world.implementation)

    completed = world.in_state(Case.State.COMPLETED)
    evaluation_services.rating_submit(
        case_id=completed.pk,
        applicant=world.applicant,
        stars=5,
        efficiency=5,
        attitude=5,
        guide_accuracy=4,
        convenience=5,
        comment="办事很快",
    )
    waiting = submit_case(applicant=UserFactory(with_id_number=True), implementation=world.implementation)
    return Hall(
        implementation=world.implementation,
        department=world.department,
        other_department=world.other_department,
        clerk=world.clerk,
        reviewer=world.reviewer,
        other_clerk=world.other_clerk,
        supervisor=StaffMembershipFactory(
            supervisor=True, department=DepartmentFactory(name="重庆市政务服务管理办公室"), user__password=PASSWORD
        ).user,
        admin=UserFactory(admin=True, username="admin", password=PASSWORD),
        citizen=world.applicant,
        completed_case=Case.objects.get(pk=completed.pk),
        waiting_case=waiting,
    )


def reviewer_membership(hall: Hall) -> StaffMembership:
    return hall.reviewer.memberships.get(department=hall.department)
