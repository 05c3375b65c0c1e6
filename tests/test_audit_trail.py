"""Every state change writes its own audit row, in the service that makes it (as Zulip's actions do).

The first tests drive services of every app and read the audit log back: one row per change,
with the person who made it and the object it changed. The last test reads the services'
source: a public service function that writes to the database and writes no audit row must
be on a short list, each entry with its reason.
"""

import ast
import pathlib

import pytest

from approvals.models import Case, Licence, Status
from approvals.services import calendar as calendar_services
from approvals.services import catalogue as catalogue_services
from approvals.services.licences import licence_revoke
from evaluations import services as evaluation_services
from exchange import services as exchange_services
from portal.models import AuditEvent
from tests.approvals.workflow_helpers import World
from tests.factories import LicenceTypeFactory, StaffMembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

ROOT = pathlib.Path(__file__).resolve().parents[1]


def rows(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action))


def test_catalogue_changes_are_audited_with_the_admin_who_made_them():
    world = World(status="draft")
    admin = UserFactory(admin=True)
    catalogue_services.implementation_publish(implementation=world.implementation, actor=admin)
    catalogue_services.implementation_retire(implementation=world.implementation, actor=admin)
    [published] = rows("implementation.publish")
    [retired] = rows("implementation.retire")
    assert published.actor_id == retired.actor_id == admin.pk
    assert published.object_id == str(world.implementation.pk)
    assert published.object_type == "approvals.implementation"


def test_a_revoked_licence_and_the_calendar_are_audited():
    world = World()
    licence = Licence.objects.create(
        licence_type=LicenceTypeFactory(), number="渝审〔2026〕9号", holder=world.applicant,
        holder_name=world.applicant.real_name, issuing_department=world.department, issued_on="2026-03-02",
    )  # fmt: skip
    licence_revoke(licence_id=licence.pk, actor=world.reviewer, reason="材料造假")
    [revoked] = rows("licence.revoke")
    assert revoked.actor_id == world.reviewer.pk and revoked.detail == licence.number
    admin = UserFactory(admin=True)
    calendar_services.calendar_year_mark_official(year=2031, actor=admin)
    assert [(r.actor_id, r.detail) for r in rows("calendar.mark_official")] == [(admin.pk, "2031")]


def test_ratings_rectifications_and_inquiries_are_audited():
    world = World()
    case = world.in_state(Case.State.COMPLETED)
    scores = {"efficiency": 1, "attitude": 1, "guide_accuracy": 1, "convenience": 1}
    rating = evaluation_services.rating_submit(case_id=case.pk, applicant=world.applicant, stars=1, **scores)
    evaluation_services.rectification_step(rectification_id=rating.rectification.pk, actor=world.clerk, action="verify")
    inquiry = evaluation_services.inquiry_create(
        asker=world.applicant, kind="consultation", subject="营业时间", question="周六办理吗？",
        department=world.department,
    )  # fmt: skip
    evaluation_services.inquiry_answer(inquiry_id=inquiry.pk, actor=world.clerk, answer="周六上午办理。")
    assert [r.actor_id for r in rows("rating.submit")] == [world.applicant.pk]
    [verified] = rows("rectification.verify")
    assert verified.actor_id == world.clerk.pk and verified.detail == "open → verified"
    assert [r.object_id for r in rows("inquiry.create_consultation")] == [str(inquiry.pk)]
    assert [r.actor_id for r in rows("inquiry.answer")] == [world.clerk.pk]


def test_business_systems_and_their_keys_are_audited():
    admin = UserFactory(admin=True)
    department = StaffMembershipFactory().department
    system = exchange_services.system_register(name="审批系统", code="audit-sys", department=department, actor=admin)
    key, _secret = exchange_services.api_key_issue(system_id=system.pk, actor=admin)
    exchange_services.api_key_revoke(key_id=key.pk, actor=admin)
    exchange_services.api_key_revoke(key_id=key.pk, actor=admin)  # changes nothing, so no second row
    assert [r.actor_id for r in rows("exchange.system_register")] == [admin.pk]
    assert [r.detail for r in rows("exchange.key_issue")] == [f"audit-sys {key.prefix}"]
    assert len(rows("exchange.key_revoke")) == 1


# Service functions that write and are not audited, and why. Anything else that writes must audit.
NOT_AUDITED = {
    # The outbox, its deliveries and the message centre: the notifications are the record.
    "portal.services": {"notify", "delivery_send", "notification_deliver", "notification_mark_failed",
                        "notification_resend", "outbox_recover", "outbox_purge", "outbox_publish",
                        "elder_mode_save", "preferences_save"},
    "hall.services": {"message_mark_read"},  # a read receipt, not a change of anything the hall decides
    # Timers and batch jobs with no actor; each changed row keeps its own timeline or flag. A draft
    # saved by its applicant is theirs alone; submitting it is audited (case.submit).
    "approvals.services.cases": {"case_mark_overdue", "case_recompute_due_dates", "case_files_purge_unreferenced",
                                 "case_save_application"},
    "approvals.services.licences": {"licence_issue_for_case", "licences_remind_expiring"},
    "approvals.services.bundles": {"bundle_submit"},  # each part's case is audited by case_save_application's submit
    "approvals.services.sharing": {"shared_licences_for_case", "shared_materials_for_case", "shared_material_get",
                                   "window_offers"},  # every read is logged in SharingLog, the citizen's own record
    "evaluations.services": {"rating_invite", "ratings_remind", "rectifications_mark_overdue",
                             "supervision_digest_send"},
    # The API's own logs (call log, idempotency records, key use) are the record of the API.
    "exchange.services": {"api_key_mark_used", "call_log_write", "idempotency_claim", "idempotency_store",
                          "exchange_purge"},
}  # fmt: skip
WRITES = (".save(", ".create(", ".update(", ".delete(", "bulk_create(", "bulk_update(", "notify(")


def test_every_service_that_writes_writes_its_own_audit_row_or_says_why_not():
    missing = []
    for path in [*ROOT.glob("*/services.py"), *ROOT.glob("*/services/*.py")]:
        module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        source = path.read_text(encoding="utf-8")
        for node in ast.parse(source).body:
            if not isinstance(node, ast.FunctionDef) or node.name.startswith("_"):
                continue
            body = ast.get_source_segment(source, node)
            if not any(write in body for write in WRITES):
                continue
            audited = "audit.record(" in body or "_finish(" in body or "_audit(" in body
            if not audited and node.name not in NOT_AUDITED.get(module, set()):
                missing.append(f"{module}.{node.name}")
    assert missing == []


def test_the_list_of_unaudited_services_names_only_services_that_exist():
    import importlib

    for module, names in NOT_AUDITED.items():
        loaded = importlib.import_module(module)
        assert names <= set(dir(loaded)), (module, names - set(dir(loaded)))


def test_a_published_item_is_audited_once_with_its_implementation():
    world = World(status="draft")
    world.implementation.item.status = Status.DRAFT
    world.implementation.item.save(update_fields=["status"])
    catalogue_services.implementation_publish(implementation=world.implementation)
    assert len(rows("item.publish")) == 1 and len(rows("implementation.publish")) == 1
