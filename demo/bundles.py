"""Demo bundles (一件事一次办) for ``seed_demo``: life events made of the demo catalogue's city-level items.

Each bundle lists the item names it is made of; a name is looked up among the published
implementations of the city (region 500000) with ``name__contains``, and a name the
catalogue lacks is skipped. A bundle with fewer than two parts found is not made. Bundles
are found again by slug and parts by (bundle, implementation), so loading again changes
nothing; publishing goes through ``bundle_publish`` like the admin action.

``seed_bundle_applications`` then makes one application per demo applicant through
``bundle_submit``, with a fixed token, so it too runs only once; where the city's demo staff
exist, one part of each is moved on by the workflow services so the progress page shows
more than one state.
"""

import uuid

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from approvals.models import Bundle, BundleApplication, BundlePart, Implementation, Status
from approvals.selectors import bundles as bundle_selectors
from approvals.services import bundles as bundle_services
from approvals.services import cases as case_services
from departments.models import StaffMembership
from portal.models import User
from portal.upsert import upsert

CITY_CODE = "500000"
PDF_BYTES = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
TOKEN_NAMESPACE = uuid.UUID("b1d0c3a4-5e6f-4a7b-8c9d-0e1f2a3b4c5d")

# slug, name, description, the items it is made of (in order)
BUNDLES = [
    (
        "open-restaurant",
        "开办餐饮店",
        "开一家餐馆要办的事一次申请：企业设立登记、食品经营许可、公共场所卫生许可，需要设置店招大型户外广告的一并审批。"
        "营业执照等共用材料只需提交一次，各部门并联办理。",
        ["企业设立登记", "食品经营许可", "公共场所卫生许可", "设置大型户外广告审批"],
    ),
    (
        "newborn",
        "新生儿出生",
        "宝宝出生后的出生医学证明、户口登记、城乡居民医保参保和社会保障卡申领一次申请，父母身份证、户口簿只需提交一次。",
        ["出生医学证明办理", "出生登记(新生儿入户)", "城乡居民基本医疗保险参保登记", "社会保障卡申领"],
    ),
    (
        "start-business",
        "开办企业",
        "企业设立登记、税务登记信息确认和首次发票领用一次申请，营业执照信息由登记机关共享给税务部门。",
        ["企业设立登记", "纳税人身份信息确认", "发票领用"],
    ),
]

# username of the applicant, bundle slug, remarks; and the part moved on: (item name, actions)
APPLICATIONS = [
    ("enterprise_shancheng", "open-restaurant", "山城火锅南坪店：设立登记、食品经营和卫生许可、店招一次办",
     "企业设立登记", ["accept", "start_review", "approve", "complete"]),
    ("citizen_wang", "newborn", "新生儿王小满出生一件事", "出生医学证明办理", ["accept"]),
]  # fmt: skip


def _implementation(name: str) -> Implementation | None:
    return (
        Implementation.objects.filter(region__code=CITY_CODE, status=Status.PUBLISHED, name__contains=name)
        .order_by("name", "pk")
        .first()
    )


@transaction.atomic
def seed_bundles() -> int:
    """Create or update the demo bundles and publish them; return how many demo bundles are published.

    Call it after ``seed_catalogue``.
    """
    published = 0
    for slug, name, description, item_names in BUNDLES:
        implementations = [found for found in map(_implementation, item_names) if found is not None]
        implementations = list(dict.fromkeys(implementations))
        if len(implementations) < bundle_services.MIN_PARTS:
            continue
        bundle, _changed = upsert(Bundle, {"slug": slug}, {"name": name, "description": description})
        for order, implementation in enumerate(implementations):
            upsert(BundlePart, {"bundle": bundle, "implementation": implementation}, {"order": order})
        BundlePart.objects.filter(bundle=bundle).exclude(implementation__in=implementations).delete()
        bundle_services.bundle_publish(bundle=bundle)
        published += 1
    return published


def _staff(department_id: int, role: str) -> User | None:
    membership = (
        StaffMembership.objects.filter(department_id=department_id, role=role, is_active=True)
        .select_related("user")
        .order_by("pk")
        .first()
    )
    return membership.user if membership else None


def _move_on(case, actions: list[str]) -> None:
    clerk = _staff(case.department_id, StaffMembership.Role.CLERK)
    reviewer = _staff(case.department_id, StaffMembership.Role.REVIEWER)
    if clerk is None or reviewer is None:
        return
    for action in actions:
        match action:
            case "accept":
                case_services.case_accept(case_id=case.pk, actor=clerk, comment="材料齐全，予以受理。")
            case "start_review":
                case_services.case_start_review(case_id=case.pk, actor=clerk)
            case "approve":
                case_services.case_approve(case_id=case.pk, actor=reviewer, comment="准予设立登记。")
            case "complete":
                case_services.case_complete(case_id=case.pk, actor=clerk, comment="电子营业执照已发放。")
            case _:
                raise AssertionError(action)


@transaction.atomic
def seed_bundle_applications(users: dict) -> int:
    """Make the demo applications unless they exist; return how many demo bundle applications exist.

    ``users`` is what ``demo.accounts.seed_users`` returns. Call it after ``seed_bundles``
    (and after ``seed_cases``, whose reviewers move the parts on).
    """
    count = 0
    for username, slug, remarks, moved_item, actions in APPLICATIONS:
        bundle = Bundle.objects.filter(slug=slug, status=Status.PUBLISHED).first()
        applicant = users.get(username)
        if bundle is None or applicant is None:
            continue
        token = uuid.uuid5(TOKEN_NAMESPACE, f"demo-bundle-{slug}-{username}")
        count += 1
        if BundleApplication.objects.filter(submission_token=token).exists():
            continue
        parts = bundle_selectors.bundle_parts_for_form(bundle=bundle)
        uploads = {
            entry.name: SimpleUploadedFile(f"{entry.name}.pdf", PDF_BYTES, content_type="application/pdf")
            for entry in bundle_selectors.combined_materials(parts)
        }
        application = bundle_services.bundle_submit(
            applicant=applicant, bundle=bundle, token=token, form_data={"remarks": remarks}, answers=uploads
        )
        for case in application.cases.select_related("implementation"):
            if case.implementation.name == moved_item:
                _move_on(case, actions)
    return count
